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
shows of the other (see package capture). With -profile P each endpoint is
also replayed on the model under P: the other side's packets are its input
(one handshake delay after the capture saw them, lost ones skipped when
the capture marks them as sim -pcap FILE.pcapng does), its application
calls (write, close, shutdown, abort) are searched for where the capture
shows a segment the model did not send, and every SYN, FIN, RST and data
segment it sent must come out of the model in order.

Exit status: 0 when every connection conforms, 1 when one breaks a rule,
2 when the file cannot be read (the error names the record).`

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
	fs := t.flagSet(cmd, "[-profile P [-set F=V]] [-json] [-conn N] [-annotate OUT.pcapng] [-q] FILE.pcap|FILE.pcapng", checkCaptureDescription)
	asJSON := fs.Bool("json", false, "print one JSON object per connection (JSON lines)")
	connID := fs.Int("conn", 0, "report only connection `N`")
	annotate := fs.String("annotate", "", "also write the capture as pcapng to `FILE`, the judge's notes and verdicts as packet comments")
	quiet := fs.Bool("q", false, "report only connections that break a rule, and the totals")
	profile := fs.String("profile", "", "also replay every endpoint on the model under this profile: "+strings.Join(spec.ProfileNames(), ", "))
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
	if *profile != "" {
		p, err := spec.LookupProfile(*profile)
		if err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
		for _, kv := range sets {
			if err := setField(&p, kv); err != nil {
				return t.fail(stderr, cmd, "%s", err)
			}
		}
		o.Profile = func(netip.AddrPort) (spec.Profile, bool) { return p, true }
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	status, conns, bad := ExitOK, 0, 0
	for c, err := range capture.Judge(bufio.NewReaderSize(f, 1<<16), o) {
		if err != nil {
			out.Flush()
			return t.fail(stderr, cmd, "%s: %s", path, err)
		}
		conns++
		ok := c.Conforms() && !strings.HasPrefix(c.Ends[0].Model, "violation") && !strings.HasPrefix(c.Ends[1].Model, "violation")
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
