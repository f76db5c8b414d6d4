package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/tcpclose/tcpclose/capture"
	"github.com/tcpclose/tcpclose/ladder"
	"github.com/tcpclose/tcpclose/spec"
)

const checkCaptureDescription = `
Reads a packet capture (pcap or pcapng; link types Ethernet, Linux cooked
SLL and SLL2, raw IP, BSD loopback; IPv4 and IPv6; any snap length that
keeps the TCP headers) and reports every TCP connection in it: who closed
first and how (four-way, simultaneous, half-close with data after,
abortive), the RSTs and whether they were acceptable, lost final ACKs and
re-ACKs from TIME-WAIT, who held TIME-WAIT and for how long, what was still
pending when the capture ends, and per endpoint a verdict: conforms, or
the first violation with its packet number and rule IDs.

The checks are rules about what each endpoint sent given what the capture
shows of the other (see package capture); they flag too a new incarnation
taken into the old one's sequence space soon after TIME-WAIT began (the
ghost hazard, R9293-MUST13) or after a RST ended TIME-WAIT (RFC 1337
assassination, R1337-TWA).

With -profile P each endpoint is also replayed on the model under P: the
other side's packets are its input (the delay the capture shows between
it and the endpoint later; lost ones skipped when the capture marks them
as sim -pcap FILE.pcapng does), and every SYN, FIN, RST and data segment
it sent must come out of the model in order, every pure ACK it sent must
be one the model sent. What the capture does not show is searched for,
best first and bounded by -max-candidates: the application's calls
(write, close, shutdown, abort) among the segments arriving at each
instant; unless the capture is at the endpoint (-vantage), segments lost,
delayed or copied on the way to it and its retransmissions lost before
the capture point; timers firing up to 10 ms late. A search that runs
out says "cannot judge: search exceeded N candidates". -profile auto
replays each endpoint under every profile and lists those it fits.
-conn N also draws that connection's ladder.

Exit status: 0 when every connection conforms, 1 when one breaks a rule
(or its replay is a violation, or no profile fits it), 2 when the file
cannot be read (the error names the record).`

// isCapture reports whether path names a capture file: by its name, or
// by the magic number at its start.
func isCapture(path string) bool {
	l := strings.ToLower(path)
	if strings.HasSuffix(l, ".pcap") || strings.HasSuffix(l, ".pcapng") || strings.HasSuffix(l, ".cap") {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var m [4]byte
	if _, err := io.ReadFull(f, m[:]); err != nil {
		return false
	}
	for _, magic := range [][]byte{{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, {0x0a, 0x0d, 0x0d, 0x0a}} {
		if bytes.Equal(m[:], magic) {
			return true
		}
	}
	return false
}

// capturesIn reports whether the positional arguments of check name
// capture files (then check judges captures instead of playing scripts).
func capturesIn(args []string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") && isCapture(a) {
			return true
		}
	}
	return false
}

func (t *Tool) runCheckCapture(args []string, stdout, stderr io.Writer) int {
	const cmd = "check"
	fs := t.flagSet(cmd, "[-profile P|auto [-set F=V]] [-vantage a|b|between|auto] [-json] [-conn N] [-annotate OUT.pcapng] [-q] FILE.pcap|FILE.pcapng", checkCaptureDescription)
	asJSON := fs.Bool("json", false, "print one JSON object per connection (JSON lines)")
	connID := fs.Int("conn", 0, "report only connection `N`")
	annotate := fs.String("annotate", "", "also write the capture as pcapng to `FILE`, the judge's notes and verdicts as packet comments")
	quiet := fs.Bool("q", false, "report only connections that break a rule, and the totals")
	profile := fs.String("profile", "", "also replay every endpoint on the model under this profile ("+strings.Join(spec.ProfileNames(), ", ")+"), or auto: under each, listing those it fits")
	vantage := fs.String("vantage", "auto", "where the capture was taken: a (at the connecting side), b (at the accepting side), between, or auto (inferred per connection from its handshake)")
	maxCand := fs.Int("max-candidates", capture.DefaultMaxCandidates, "bound on the replays the search for hidden events tries per endpoint")
	width := fs.Int("width", 0, "width of the -conn ladder in columns (default: the terminal's, else $COLUMNS, else 80)")
	var sets listFlag
	fs.Var(&sets, "set", "override a field of the -profile profile, `Field=Value` (repeatable)")
	files, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(files) != 1 {
		return t.fail(stderr, cmd, "name one capture file")
	}
	path := files[0]
	f, err := os.Open(path)
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	defer f.Close()
	var nb capture.Notebook
	var st capture.Stats
	o := capture.Options{Stats: &st}
	if *annotate != "" {
		o.Notes = nb.Add
	}
	v, err := capture.ParseVantage(*vantage)
	if err != nil {
		return t.fail(stderr, cmd, "-vantage: %s", err)
	}
	if *maxCand <= 0 {
		return t.fail(stderr, cmd, "-max-candidates %d: want a positive bound", *maxCand)
	}
	o.Vantage, o.MaxCandidates, o.Keep = v, *maxCand, *connID
	switch *profile {
	case "":
	case "auto":
		for _, name := range spec.ProfileNames() {
			p, err := profileWith(name, sets)
			if err != nil {
				return t.fail(stderr, cmd, "%s", err)
			}
			o.Auto = append(o.Auto, p)
		}
	default:
		p, err := profileWith(*profile, sets)
		if err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
		o.Profile = func(netip.AddrPort) (spec.Profile, bool) { return p, true }
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	status, conns, bad := ExitOK, 0, 0
	var mConform, mViol, mCannot int
	for c, err := range capture.Judge(bufio.NewReaderSize(f, 1<<16), o) {
		if err != nil {
			out.Flush()
			return t.fail(stderr, cmd, "%s: %s", path, err)
		}
		conns++
		ok := c.Conforms()
		for _, e := range c.Ends {
			switch e.ModelOutcome() {
			case capture.Violation:
				mViol++
				ok = false
			case capture.CannotJudge:
				mCannot++
			case capture.Conforms:
				mConform++
			}
		}
		if !ok {
			bad++
			status = ExitFail
		}
		if (*connID != 0 && c.ID != *connID) || (*quiet && ok) {
			continue
		}
		if *asJSON {
			err = capture.WriteJSON(out, c)
		} else {
			err = capture.WriteText(out, c)
		}
		if err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
		if *connID != 0 && !*asJSON {
			lo := ladder.Options{Width: *width, Title: fmt.Sprintf("conn %d inc %d", c.ID, c.Inc)}
			if lo.Width == 0 {
				lo.Width = t.width(out)
			}
			if err := ladder.Text(out, c.Trace(), lo); err != nil {
				return t.fail(stderr, cmd, "%s", err)
			}
		}
	}
	if !*asJSON {
		fmt.Fprintf(out, "%s: %d records, %d TCP packets, %d connections (at most %d at once), %d conform, %d break a rule", path, st.Records, st.TCP, conns, st.MaxLive, conns-bad, bad)
		if st.NotTCP+st.Bad > 0 {
			fmt.Fprintf(out, "; %d not TCP, %d undecodable", st.NotTCP, st.Bad)
		}
		if st.Truncated > 0 {
			fmt.Fprintf(out, "; %d cut by the snap length", st.Truncated)
		}
		fmt.Fprintln(out)
		if mConform+mViol+mCannot > 0 {
			fmt.Fprintf(out, "model replay: %d endpoints conform, %d violations, %d cannot judge\n", mConform, mViol, mCannot)
		}
	}
	if *annotate != "" {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
		if err := writeFile(*annotate, func(w io.Writer) error { return nb.Annotate(w, bufio.NewReaderSize(f, 1<<16)) }); err != nil {
			return t.fail(stderr, cmd, "-annotate: %s", err)
		}
	}
	return status
}
