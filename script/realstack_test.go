package script

import (
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// The RunOptions for real stacks: MinTolerance, MapTSEcr, PlayLate, and
// the per-line Trace.

func runOpts(t *testing.T, src string, st Stack, opts RunOptions) *Result {
	t.Helper()
	res, err := Run(mustParse(t, src), st, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func TestRunMinTolerance(t *testing.T) {
	src := "--tolerance_percent=0\n0 write(3, ..., 1) = 1\n0.5 > . 1:1(0) ack 1\n"
	for _, c := range []struct {
		min  time.Duration
		pass bool
	}{{0, false}, {20 * time.Millisecond, true}} {
		f := &fakeStack{timed: []Observed{{At: at(515 * time.Millisecond), Out: spec.SegmentOut(seg(spec.ACK, 1, 1, 0))}}}
		res := runOpts(t, src, f, RunOptions{MinTolerance: c.min})
		if res.Passed() != c.pass {
			t.Errorf("MinTolerance %s: passed %v, want %v (%v)", c.min, res.Passed(), c.pass, res.Divergence)
		}
	}
}

// TestRunMapTSEcr: an inbound ecr echoing the scripted TS val is shifted
// to the TS val the stack really sent.
func TestRunMapTSEcr(t *testing.T) {
	src := "--tolerance_percent=0\n" +
		"0 connect(3, ..., ...) = 0\n" +
		"0 > S 0:0(0) <mss 1460,TS val 1 ecr 0>\n" +
		"0.1 < S. 0:0(0) ack 1 win 1000 <mss 1460,TS val 700 ecr 1>\n"
	for _, mapping := range []bool{false, true} {
		syn := seg(spec.SYN, 5000, 0, 0)
		syn.Opts = spec.Options{MSS: 1460, HasTS: true, TS: spec.Timestamp{Val: 90001}}
		f := &fakeStack{onCall: connectSYN(syn)}
		res := runOpts(t, src, f, RunOptions{MapTSEcr: mapping})
		if !res.Passed() {
			t.Fatal(res.Divergence)
		}
		want := uint32(1)
		if mapping {
			want = 90001
		}
		if got := f.injected[0].Opts.TS.Ecr; got != want {
			t.Errorf("MapTSEcr %v: injected ecr %d, want %d", mapping, got, want)
		}
	}
}

// TestRunPlayLate: a line reached late is a timing divergence on a
// virtual clock, played late with PlayLate; a late blocking call keeps
// its scripted duration.
func TestRunPlayLate(t *testing.T) {
	src := "--tolerance_percent=0\n0 write(3, ..., 1) = 1\n0.1...0.2 read(3, ..., 10) = 0\n"
	mk := func() *fakeStack {
		f := &fakeStack{}
		f.onCall = func(c spec.Call, now spec.Time) []Observed {
			if c.Kind == spec.CallWrite {
				f.now = at(150 * time.Millisecond) // the write took 150 ms
				return []Observed{{At: f.now, Out: spec.ResultOut(c.FD, c.Kind, 1, spec.OK)}}
			}
			f.timed = append(f.timed, Observed{At: now.Add(100 * time.Millisecond), Out: spec.ResultOut(c.FD, c.Kind, 0, spec.OK)})
			return nil
		}
		return f
	}
	if res := runOpts(t, src, mk(), RunOptions{}); res.Passed() || res.Divergence.Kind != DivTiming {
		t.Errorf("without PlayLate: %v", res.Divergence)
	}
	if res := runOpts(t, src, mk(), RunOptions{PlayLate: true}); !res.Passed() {
		t.Errorf("with PlayLate: %v", res.Divergence)
	}
}

func TestRunTrace(t *testing.T) {
	res, err := RunModel(mustParse(t, strings.Join([]string{
		"--tolerance_percent=0",
		"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
		"+0 bind(3, ..., ...) = 0",
		"+0 listen(3, 1) = 0",
		"+0 < S 0:0(0) win 1000 <mss 1000>",
		"+0 > S. 0:0(0) ack 1 win 65535 <mss 1460>",
	}, "\n")), "rfc9293", RunOptions{})
	if err != nil || !res.Passed() {
		t.Fatal(err, res.Divergence)
	}
	if len(res.Trace) != 5 {
		t.Fatalf("trace has %d lines, want 5: %+v", len(res.Trace), res.Trace)
	}
	last := res.Trace[4]
	if last.Pos.Line != 6 || !strings.HasPrefix(last.Did, "> S. 0:0(0) ack 1") || len(last.Rules) == 0 {
		t.Errorf("last trace line %+v", last)
	}
	if !strings.HasPrefix(res.Trace[3].Did, "injected < S") {
		t.Errorf("inbound trace line %+v", res.Trace[3])
	}
}

// TestRunRSTSeqZero: a scripted RST with sequence number 0 matches an
// actual absolute 0 (the reply to a segment without ACK), whatever the
// local ISN.
func TestRunRSTSeqZero(t *testing.T) {
	src := "--tolerance_percent=0\n0 connect(3, ..., ...) = 0\n0 > S 0:0(0) <...>\n0.1 < S 0:0(0) win 1000\n0.1 > R. 0:0(0) ack 1\n"
	rst := seg(spec.RST|spec.ACK, 0, 1, 0)
	f := &fakeStack{onCall: connectSYN(seg(spec.SYN, 7000, 0, 0))}
	f.onSeg = func(s spec.Segment, now spec.Time) []Observed {
		return []Observed{{At: now, Out: spec.SegmentOut(rst)}}
	}
	if res := runOpts(t, src, f, RunOptions{}); !res.Passed() {
		t.Error(res.Divergence)
	}
}

// connectSYN makes a fake's connect send syn and return 0 at once.
func connectSYN(syn spec.Segment) func(c spec.Call, now spec.Time) []Observed {
	return func(c spec.Call, now spec.Time) []Observed {
		return []Observed{{At: now, Out: spec.SegmentOut(syn)}, {At: now, Out: spec.ResultOut(c.FD, c.Kind, 0, spec.OK)}}
	}
}
