//go:build linux

package lab

import (
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

func modelRun(t *testing.T, sc func(actor)) *modelActor {
	t.Helper()
	m, err := newModelActor()
	if err != nil {
		t.Fatal(err)
	}
	sc(m)
	return m
}

// TestModelNormalClose: two linux-profile model hosts joined as loopback
// close in three segments: the client's FIN follows text, so its ACK is
// delayed (AMB-DELACK-FIN) and the server's FIN, sent at once, carries it.
func TestModelNormalClose(t *testing.T) {
	m := modelRun(t, scenarioNormal)
	got := strings.Join(canonical(m.segments()), "\n")
	want := strings.Join([]string{
		"client > server S 0:0(0)",
		"server > client S. 0:0(0) ack 1",
		"client > server . 1:1(0) ack 1",
		"client > server . 1:101(100) ack 1",
		"server > client . 1:1(0) ack 101",
		"client > server F. 101:101(0) ack 1",
		"server > client F. 1:1(0) ack 102",
		"client > server . 102:102(0) ack 2",
	}, "\n")
	if got != want {
		t.Errorf("model pair:\n%s\nwant\n%s", got, want)
	}
	for _, c := range m.calls {
		if c.Ret == -1 || c.Stuck {
			t.Errorf("call failed in the model: %s: %s", c.Who, c)
		}
	}
}

// TestModelStates: the model pair's state log for scenarioStates, with
// the client left in TIME-WAIT (R9293-MUST13) and the server CLOSED.
func TestModelStates(t *testing.T) {
	m := modelRun(t, scenarioStates)
	end := m.elapsed()
	if got := names(sequence(m.changes(), "client", end)); got != "SYN-SENT -> ESTABLISHED -> FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT" {
		t.Errorf("client states: %s", got)
	}
	if got := names(sequence(m.changes(), "server", end)); got != "SYN-RECEIVED -> ESTABLISHED -> CLOSE-WAIT -> LAST-ACK -> CLOSED" {
		t.Errorf("server states: %s", got)
	}
}

func TestMatchStates(t *testing.T) {
	ms := time.Millisecond
	pred := []held{{"ESTABLISHED", 50 * ms}, {"FIN-WAIT-1", 0}, {"FIN-WAIT-2", 100 * ms}, {"TIME-WAIT", 100 * ms}}
	for _, tc := range []struct {
		obs  []string
		ok   bool
		miss int
	}{
		{[]string{"ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"}, true, 0},
		{[]string{"ESTABLISHED", "FIN-WAIT-2", "TIME-WAIT"}, true, 1},
		{[]string{"ESTABLISHED", "TIME-WAIT"}, false, 0},            // a long state missed
		{[]string{"ESTABLISHED", "CLOSING", "TIME-WAIT"}, false, 0}, // an unpredicted state
		{[]string{"ESTABLISHED", "FIN-WAIT-2"}, false, 0},           // ends early
	} {
		var obs []held
		for _, s := range tc.obs {
			obs = append(obs, held{State: s})
		}
		ok, missed := matchStates(obs, pred)
		if ok != tc.ok || (ok && len(missed) != tc.miss) {
			t.Errorf("%v: ok=%v missed=%v, want ok=%v and %d missed", tc.obs, ok, missed, tc.ok, tc.miss)
		}
	}
}

func TestNamesAreDescribed(t *testing.T) {
	want := []string{"normal", "abort", "timewait", "half-close", "states"}
	if got := strings.Join(Names(), " "); got != strings.Join(want, " ") {
		t.Errorf("Names() = %v, want %v", Names(), want)
	}
	for _, n := range Names() {
		if Describe(n) == "" {
			t.Errorf("%s has no description", n)
		}
	}
}

func TestTcpdumpLines(t *testing.T) {
	c := spec.SockAddr{IP: labAddr, Port: 40000}
	segs := []sentSeg{
		{From: client, Seg: spec.Segment{Src: c, Dst: srvAddr, Flags: spec.SYN, Seq: 1000, Wnd: 65495, Opts: spec.Options{MSS: 65495}}},
		{From: server, Seg: spec.Segment{Src: srvAddr, Dst: c, Flags: spec.SYN | spec.ACK, Seq: 5000, Ack: 1001, Wnd: 65483}},
		{From: client, Seg: spec.Segment{Src: c, Dst: srvAddr, Flags: spec.FIN | spec.ACK, Seq: 1001, Ack: 5001, Wnd: 64}},
		{From: client, Seg: spec.Segment{Src: c, Dst: srvAddr, Flags: spec.PSH | spec.ACK, Seq: 1001, Ack: 5001, Len: 10, Wnd: 64}},
	}
	got := tcpdumpLines(segs)
	want := []string{
		"  0.000000 IP 127.0.0.1.40000 > 127.0.0.1.8080: Flags [S], seq 1000, win 65495, options [mss 65495], length 0",
		"  0.000000 IP 127.0.0.1.8080 > 127.0.0.1.40000: Flags [S.], seq 5000, ack 1, win 65483, length 0",
		"  0.000000 IP 127.0.0.1.40000 > 127.0.0.1.8080: Flags [F.], seq 1, ack 1, win 64, length 0",
		"  0.000000 IP 127.0.0.1.40000 > 127.0.0.1.8080: Flags [P.], seq 1:11, ack 1, win 64, length 10",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tcpdump lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
