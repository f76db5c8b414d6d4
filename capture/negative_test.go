package capture_test

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/capture"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/wire"
)

// edit rewrites a capture, letting f change the decoded packets (by
// packet number); the edited packets are re-encoded with checksums.
func edit(t *testing.T, b []byte, f func(n int, p *wire.Packet) bool) []byte {
	t.Helper()
	r, err := wire.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := wire.NewWriter(&out, wire.Pcapng, wire.LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	edited := 0
	for rec, err := range r.Records() {
		if err != nil {
			t.Fatal(err)
		}
		frame := append([]byte(nil), rec.Data...)
		ip, err := wire.Unframe(rec.Link, rec.Data)
		if err != nil {
			t.Fatal(err)
		}
		p, err := wire.Decode(ip)
		if err != nil {
			t.Fatal(err)
		}
		if f(rec.N, &p) {
			edited++
			frame, _ = wire.AppendFrameHeader(nil, wire.LinkEthernet, p.Family, p.Src.Addr(), p.Dst.Addr())
			if frame, err = wire.AppendPacket(frame, &p); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Write(rec.Time, frame, rec.Comment); err != nil {
			t.Fatal(err)
		}
	}
	if edited == 0 {
		t.Fatal("the edit changed no packet")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestNegativeControls: captures of conforming runs, each edited to break
// one rule, are flagged at the edited endpoint naming that rule; the
// unedited captures conform.
func TestNegativeControls(t *testing.T) {
	cases := []struct {
		name, scenario, profile string
		// edit gets the packets in order; it returns whether it changed p.
		edit  func() func(n int, p *wire.Packet) bool
		side  capture.Side
		rule  string
		model bool // the model replay sees it too
	}{
		{"FIN never acknowledged", "normal", "rfc9293", func() func(int, *wire.Packet) bool {
			var finA spec.Seq
			have := false
			return func(n int, p *wire.Packet) bool {
				s := &p.Seg
				if s.Flags.Has(spec.FIN) && p.Src.Port() == 40000 && !have {
					finA, have = s.Seq, true
				}
				if have && p.Src.Port() == 8080 && s.Ack == finA+1 {
					s.Ack = finA // B's ACKs stop short of A's FIN
					return true
				}
				return false
			}
		}, capture.B, "R9293-SEG-FIN", true},
		{"FIN resent with another sequence number", "lost-final-ack", "rfc9293", func() func(int, *wire.Packet) bool {
			fins := 0
			return func(n int, p *wire.Packet) bool {
				if p.Seg.Flags.Has(spec.FIN) && p.Src.Port() == 8080 {
					if fins++; fins == 2 {
						p.Seg.Seq++
						return true
					}
				}
				return false
			}
		}, capture.B, "R9293-CLOSE-RELIABLE", true},
		{"data after its own FIN", "normal", "rfc9293", func() func(int, *wire.Packet) bool {
			finSent := false
			return func(n int, p *wire.Packet) bool {
				if p.Src.Port() != 40000 {
					return false
				}
				if p.Seg.Flags.Has(spec.FIN) {
					finSent = true
					return false
				}
				if finSent && p.Seg.Len == 0 {
					p.Seg.Len = 10
					finSent = false
					return true
				}
				return false
			}
		}, capture.A, "R9293-SEND-CLOSING", true},
		{"TIME-WAIT re-ACK with a wrong ack", "lost-final-ack", "rfc9293", func() func(int, *wire.Packet) bool {
			acks := 0
			return func(n int, p *wire.Packet) bool {
				s := &p.Seg
				if p.Src.Port() == 40000 && s.Flags == spec.ACK && s.Len == 0 && n > 5 {
					if acks++; acks == 2 { // the re-ACK after the resent FIN
						s.Ack--
						return true
					}
				}
				return false
			}
		}, capture.A, "R9293-SEG-FIN-TW", true},
		{"out-of-window RST taken", "fin-wait-2-timeout", "linux", func() func(int, *wire.Packet) bool {
			return func(n int, p *wire.Packet) bool {
				if p.Seg.Flags.Has(spec.RST) {
					p.Seg.Seq += 1 << 20
					return true
				}
				return false
			}
		}, capture.B, "R9293-RST-WINDOW", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			orig, _ := simCapture(t, c.scenario, c.profile, 1, 0, wire.Pcapng)
			for _, conn := range judgeAll(t, orig) {
				if !conn.Conforms() {
					t.Fatalf("unedited capture: %s %v", conn, conn.Findings)
				}
			}
			bad := edit(t, orig, c.edit())
			conns := judgeAll(t, bad)
			if len(conns) != 1 || len(conns[0].Findings) == 0 {
				t.Fatalf("edited capture not flagged: %v", conns)
			}
			f := conns[0].Findings[0]
			if f.Side != c.side || !strings.Contains(strings.Join(f.Rules, " "), c.rule) {
				t.Errorf("flagged %s, want %s breaking %s", f, c.side, c.rule)
			}
			t.Logf("%s: %s", c.name, f)
			// Replayed on the model under the run's profile, the edited
			// endpoint does not conform either.
			p := spec.MustProfile(c.profile)
			sc, _ := sim.LookupScenario(c.scenario)
			cfg, _ := sc.Config(p, 1)
			// The runs have no loss: everything in the capture reached its
			// receiver, as if the capture were taken at the edited side,
			// so the search needs no hidden losses to explain it.
			vantage := capture.VantageA
			if c.side == capture.B {
				vantage = capture.VantageB
			}
			opts := capture.Options{Vantage: vantage, Profile: func(ep netip.AddrPort) (spec.Profile, bool) {
				if ep.Addr() == sim.DefaultAddrs()[sim.A].IP.Netip() {
					return cfg.Profiles[sim.A], true
				}
				return cfg.Profiles[sim.B], true
			}}
			for conn, err := range capture.Judge(bytes.NewReader(orig), opts) {
				if err != nil || !strings.HasPrefix(conn.Ends[c.side].Model, "conforms") {
					t.Errorf("unedited capture on the model: %v %s", err, conn.Ends[c.side].Model)
				}
			}
			for conn, err := range capture.Judge(bytes.NewReader(bad), opts) {
				v := conn.Ends[c.side].Model
				if err != nil || c.model != strings.HasPrefix(v, "violation") {
					t.Errorf("edited capture on the model (want violation: %v): %v %s", c.model, err, v)
				}
				t.Logf("  model: %s", v)
			}
		})
	}
}
