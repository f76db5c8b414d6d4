package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/ladder"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

const simSynopsis = "[flags] SCENARIO|SCRIPT"

const simDescription = `
Runs two TCP endpoints against each other over a simulated network with a
virtual clock and draws the run as a ladder diagram: side A (the client) on
the left, side B (the server) on the right, every segment an arrow labelled
with its flags, sequence and acknowledgment numbers (relative to each
side's initial sequence number unless -absolute), length, window and
options; each side's state as it changes; each application's calls, their
results and the notices it is told. Lost segments end in a cross, network
copies and reordered arrivals are marked.

SCENARIO is a built-in scenario (tcpclose sim -list). SCRIPT is a file
holding a scenario script (packetdrill syntax, see 'tcpclose check'): it is
played against the model, the scripted peer drawn as side A and the model
as side B, and the run exits 1 if the model diverges from the script.

Exit status: 0 when the run ended with both sides closed and no hazard;
1 when a hazard was seen (an old segment accepted by a new connection,
TIME-WAIT assassinated), the run did not end closed, or a script diverged;
2 on a usage or input error.`

type simFlags struct {
	profile   string
	sets      listFlag
	loss      probFlag
	dup       probFlag
	reorder   probFlag
	seed      uint64
	endpoints choiceFlag
	faults    string
	svg       string
	pcap      string
	trace     bool
	absolute  bool
	list      bool
	width     int
	allCalls  bool
	from, to  time.Duration
	conn      int
	addrs     string          // -addrs A,B: the sides' IP addresses
	set       map[string]bool // flags given on the command line
}

func (t *Tool) runSim(args []string, stdout, stderr io.Writer) int {
	const cmd = "sim"
	fs := t.flagSet(cmd, simSynopsis, simDescription)
	var f simFlags
	kinds := []string{}
	for _, k := range sim.Kinds() {
		kinds = append(kinds, string(k))
	}
	f.endpoints = choiceFlag{v: string(sim.KindModel), choices: kinds}
	fs.StringVar(&f.profile, "profile", spec.DefaultProfile, "profile of both sides: "+strings.Join(spec.ProfileNames(), ", "))
	fs.Var(&f.sets, "set", "override a profile field, `Field=Value` (repeatable), e.g. -set TimeWait=30s")
	fs.Var(&f.loss, "loss", "probability that the network loses a segment (both directions)")
	fs.Var(&f.dup, "dup", "probability that the network duplicates a segment")
	fs.Var(&f.reorder, "reorder", "probability that the network holds a segment back so that later ones pass it")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the network's random draws and the hosts' ISNs")
	fs.Var(&f.endpoints, "endpoints", "which implementation runs: model, impl (the optimized implementation on both sides) or mixed (model on A, impl on B)")
	fs.StringVar(&f.faults, "faults", "", "explicit fault `SPEC` replacing the scenario's, e.g. A3:drop,B2F.:delay=1.5s,A4.:dup=100ms (empty: none)")
	fs.StringVar(&f.svg, "svg", "", "also write the ladder as an SVG picture to `FILE`")
	fs.StringVar(&f.pcap, "pcap", "", "also write the segments as a pcap file to `FILE` (tcpdump -r, Wireshark); a name ending in .pcapng writes pcapng with a comment on every packet (lost ones marked)")
	fs.BoolVar(&f.trace, "trace", false, "print the raw trace, one record a line, instead of the ladder")
	fs.BoolVar(&f.absolute, "absolute", false, "print raw sequence numbers and timestamp values")
	fs.BoolVar(&f.list, "list", false, "list the built-in scenarios and exit")
	fs.IntVar(&f.width, "width", 0, "width of the ladder in columns (default: the terminal's, else $COLUMNS, else 80)")
	fs.BoolVar(&f.allCalls, "all-calls", false, "show the set-up calls (socket, setsockopt, bind) too")
	fs.DurationVar(&f.from, "from", 0, "draw the run from this virtual `TIME` on, e.g. 239s (the summary covers the whole run)")
	fs.DurationVar(&f.to, "to", 0, "draw the run up to this virtual `TIME` (0: to the end)")
	fs.StringVar(&f.addrs, "addrs", "", "the sides' IP addresses, `A,B` (IPv4 or IPv6, both of one family), e.g. fd3d::1,2001:db8::1 (default 10.0.0.1,10.0.0.2)")
	fs.IntVar(&f.conn, "conn", 0, "draw only the time connection `N` (1, 2, ...) lived, for runs with several")
	pos, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })

	if f.list {
		return t.listScenarios(stdout)
	}
	if len(pos) != 1 {
		if len(pos) == 0 {
			return t.fail(stderr, cmd, "name a scenario or a script file (run '%s sim -list' for the scenarios)", t.Name)
		}
		return t.fail(stderr, cmd, "want one scenario or script, got %d arguments: %s", len(pos), strings.Join(pos, " "))
	}
	if f.width < 0 {
		return t.fail(stderr, cmd, "-width must not be negative")
	}
	if f.from < 0 || f.to < 0 || f.conn < 0 {
		return t.fail(stderr, cmd, "-from, -to and -conn must not be negative")
	}
	if f.to > 0 && f.to < f.from {
		return t.fail(stderr, cmd, "-to %s is before -from %s", f.to, f.from)
	}
	if _, err := spec.LookupProfile(f.profile); err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	arg := pos[0]
	if sc, err := sim.LookupScenario(arg); err == nil {
		return t.simScenario(sc, &f, stdout, stderr)
	}
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		return t.simScript(arg, &f, stdout, stderr)
	} else if err == nil {
		return t.fail(stderr, cmd, "%s is a directory, not a script", arg)
	}
	if strings.ContainsAny(arg, "/\\.") {
		return t.fail(stderr, cmd, "open %s: no such file or directory", arg)
	}
	return t.fail(stderr, cmd, "unknown scenario %q and no such file (scenarios: %s)", arg, strings.Join(sim.ScenarioNames(), ", "))
}

func (t *Tool) listScenarios(w io.Writer) int {
	n := 0
	for _, s := range sim.Scenarios() {
		n = max(n, len(s.Name))
	}
	for _, s := range sim.Scenarios() {
		fmt.Fprintf(w, "%-*s  %s\n", n, s.Name, s.Description)
	}
	return ExitOK
}

// ladderOptions are the options of the ladder drawn on w.
func (t *Tool) ladderOptions(f *simFlags, w io.Writer, title string) ladder.Options {
	o := ladder.Options{Width: f.width, Absolute: f.absolute, AllCalls: f.allCalls, Title: title, Color: t.color(w),
		From: spec.Time(f.from), To: spec.Time(f.to), Conn: f.conn}
	if o.Width == 0 {
		o.Width = t.width(w)
	}
	return o
}

func (t *Tool) simScenario(sc sim.Scenario, f *simFlags, stdout, stderr io.Writer) int {
	const cmd = "sim"
	p, _ := spec.LookupProfile(f.profile)
	cfg, err := sc.Config(p, f.seed, f.sets...)
	if err != nil {
		return t.fail(stderr, cmd, "%s", strings.TrimPrefix(err.Error(), "sim: "))
	}
	for i := range cfg.Net.Links {
		l := &cfg.Net.Links[i]
		if f.loss.set {
			l.Loss = f.loss.p
		}
		if f.dup.set {
			l.Dup = f.dup.p
		}
		if f.reorder.set {
			l.Reorder = f.reorder.p
		}
	}
	if f.set["faults"] {
		cfg.Faults = nil
		if strings.TrimSpace(f.faults) != "" {
			fs, err := sim.ParseFaults(f.faults)
			if err != nil {
				return t.fail(stderr, cmd, "-faults: %s", strings.TrimPrefix(err.Error(), "sim: "))
			}
			cfg.Faults = fs
		}
	}
	if f.addrs != "" {
		if err := setSimAddrs(&cfg, f.addrs); err != nil {
			return t.fail(stderr, cmd, "-addrs: %s", err)
		}
	}
	kind := sim.Kind(f.endpoints.v)
	hosts, err := sim.Hosts(kind)
	if err != nil {
		return t.fail(stderr, cmd, "%s", strings.TrimPrefix(err.Error(), "sim: "))
	}
	cfg.Hosts = hosts
	res, err := sim.Run(cfg)
	if err != nil {
		return t.fail(stderr, cmd, "%s", strings.TrimPrefix(err.Error(), "sim: "))
	}
	title := fmt.Sprintf("%s · profile %s · seed %d", sc.Name, f.profile, f.seed)
	if len(f.sets) > 0 {
		title += " · " + strings.Join(f.sets, " ")
	}
	if code := t.writeOutputs(res.Trace, f, title, stdout, stderr); code >= 0 {
		return code
	}
	bw := bufio.NewWriter(stdout)
	fmt.Fprintln(bw)
	bw.WriteString(res.Summary())
	if err := bw.Flush(); err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	if len(res.Hazards) > 0 || res.Reason != sim.EndClosed {
		return ExitFail
	}
	return ExitOK
}

// writeOutputs draws the ladder (or the raw trace) on stdout and writes
// the SVG and pcap files asked for. It returns -1, or an exit status if
// something failed.
func (t *Tool) writeOutputs(tr *sim.Trace, f *simFlags, title string, stdout, stderr io.Writer) int {
	const cmd = "sim"
	if n := ladder.Conns(tr); f.conn > n {
		return t.fail(stderr, cmd, "-conn %d: the run has %d connection(s)", f.conn, n)
	}
	if f.trace {
		if _, err := io.WriteString(stdout, tr.String()); err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
	} else if err := ladder.Text(stdout, tr, t.ladderOptions(f, stdout, title)); err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	if f.svg != "" {
		if err := writeFile(f.svg, func(w io.Writer) error {
			o := t.ladderOptions(f, io.Discard, title)
			return ladder.SVG(w, tr, o)
		}); err != nil {
			return t.fail(stderr, cmd, "-svg: %s", err)
		}
	}
	if f.pcap != "" {
		if err := writeFile(f.pcap, func(w io.Writer) error { return WritePcap(w, tr, PcapOptions{Format: PcapFormatFor(f.pcap)}) }); err != nil {
			return t.fail(stderr, cmd, "-pcap: %s", err)
		}
	}
	return -1
}

// writeFile creates path and fills it with write.
func writeFile(path string, write func(io.Writer) error) error {
	fh, err := os.Create(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("create %s: %v", path, pe.Err)
		}
		return err
	}
	bw := bufio.NewWriter(fh)
	if err := write(bw); err != nil {
		fh.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// setSimAddrs gives the sides the IP addresses of -addrs "A,B" (their
// ports stay the scenario's).
func setSimAddrs(cfg *sim.Config, v string) error {
	a, b, ok := strings.Cut(v, ",")
	if !ok {
		return fmt.Errorf("want two addresses A,B, not %q", v)
	}
	def := sim.DefaultAddrs()
	var ips [2]spec.Addr
	for i, s := range []string{a, b} {
		ip, err := spec.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		if ip.IsZero() {
			return fmt.Errorf("%s: the unspecified address cannot be a side's", s)
		}
		ips[i] = ip
	}
	if ips[0].Is4() != ips[1].Is4() {
		return fmt.Errorf("%s and %s are of different families", ips[0], ips[1])
	}
	for s := range cfg.Addrs {
		if cfg.Addrs[s].IsZero() {
			cfg.Addrs[s] = def[s]
		}
		cfg.Addrs[s].IP = ips[s]
	}
	return nil
}
