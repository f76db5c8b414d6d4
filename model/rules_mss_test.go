package model

import (
	"fmt"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

// R9293-EFF-MSS: a segment carries at most the effective send MSS of data,
// the peer's MSS less the options on every segment (RFC 9293 §3.7.1): with
// timestamps negotiated, 1460 - 12 = 1448 octets (Linux 6.18 sends 1448);
// without them the whole 1460. Retransmissions and loss probes are cut the
// same way.
func TestR9293_EFF_MSS(t *testing.T) {
	for _, tc := range []struct {
		profile string
		ts      bool
		want    uint32
	}{
		{"linux", true, 1448},
		{"rfc9293", true, 1448},
		{"freebsd", true, 1448},
		{"gvisor", true, 1448},
		{"rfc793", false, 1460},
		{"linux", false, 1460}, // the peer offers no timestamps
	} {
		t.Run(fmt.Sprintf("%s/ts=%v", tc.profile, tc.ts), func(t *testing.T) {
			b := newBench(t, tc.profile)
			b.listen()
			syn := spec.Segment{Flags: spec.SYN, Seq: b.irs, Wnd: 65535, Opts: spec.Options{MSS: 1460}}
			if tc.ts {
				syn.Opts.HasTS, syn.Opts.TS = true, spec.Timestamp{Val: 100}
			}
			b.inSeg(syn)
			if len(b.segs()) != 1 {
				t.Fatalf("no SYN,ACK: %v", b.out)
			}
			ack := spec.Segment{Flags: spec.ACK, Seq: b.irs + 1, Ack: b.iss + 1, Wnd: 65535}
			if tc.ts {
				ack.Opts.HasTS, ack.Opts.TS = true, spec.Timestamp{Val: 101, Ecr: spec.TSClock(b.now)}
			}
			b.inSeg(ack)
			b.wantState(spec.Established)
			b.mustCall(spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
			b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 3000}, 3000)
			var got []uint32
			for _, s := range b.segs() {
				got = append(got, s.Len)
			}
			want := []uint32{tc.want, tc.want, 3000 - 2*tc.want}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("segment lengths %v, want %v", got, want)
			}
			if !b.fired("R9293-EFF-MSS") {
				t.Fatal("R9293-EFF-MSS not recorded")
			}
			b.advanceTo(b.h.NextDeadline()) // loss probe or RTO: one segment again
			for _, s := range b.segs() {
				if s.Len > tc.want {
					t.Fatalf("resent %d octets, above %d", s.Len, tc.want)
				}
			}
		})
	}
}
