package model

import (
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// TestFingerprintTimeShift: a time stamp taken at instant 0 (here the RFC
// 5961 throttle of an out-of-window ACK) is not the unarmed-timer
// sentinel: a host that later behaves differently must fingerprint
// differently (found by the explorer, whose state counts varied).
func TestFingerprintTimeShift(t *testing.T) {
	b := newBench(t, "linux", func(p *spec.Profile) { p.Timestamps = false })
	b.passiveOpen()
	b.in(spec.ACK, 900000, 1001, 0) // out of window at t=0: ACK sent, throttle stamped 0
	h2 := b.h.Clone()
	h2.Step(&spec.Event{Kind: spec.EvAdvance, At: spec.Time(10 * time.Second)}, nil)
	if b.h.Fingerprint() == h2.Fingerprint() {
		t.Fatal("hosts that answer the next out-of-window segment differently share a fingerprint")
	}
}
