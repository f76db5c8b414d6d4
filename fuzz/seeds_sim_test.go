package fuzz

import (
	"fmt"
	"time"

	"github.com/tcpclose/tcpclose/sim"
)

// simSeed encodes a FuzzSim input (the encoding is documented at
// SimCase).
func simSeed(shape SimShape, kind, profile int, noTS bool, b2, b3, seed byte, faults ...sim.Fault) []byte {
	n := len(Profiles())
	b1 := profile
	if noTS {
		b1 += n
	}
	b := []byte{byte(int(shape) + NumSimShapes*kind), byte(b1), b2, b3, seed}
	return append(b, sim.Faults(faults).Bytes()...)
}

func drop(s sim.Side, nth int) sim.Fault { return sim.Fault{Side: s, Nth: nth, Any: true} }
func delay(s sim.Side, nth, ms int) sim.Fault {
	return sim.Fault{Side: s, Nth: nth, Any: true, Action: sim.FaultDelay, D: msDur(ms)}
}
func dup(s sim.Side, nth, ms int) sim.Fault {
	return sim.Fault{Side: s, Nth: nth, Any: true, Action: sim.FaultDup, D: msDur(ms)}
}

// simSeeds is the FuzzSim seed corpus: every shape on every profile,
// the endpoints rotating through model, impl and mixed, with a few faults
// on the handshake, the data and the close, then lossy networks.
func simSeeds() []namedSeed {
	var seeds []namedSeed
	names := Profiles()
	for sh := SimShape(0); int(sh) < NumSimShapes; sh++ {
		for pi, p := range names {
			kind := (int(sh) + pi) % 3
			b2 := byte(pi*9+int(sh)*5) & 0x3F // writes; delay 1 ms
			seeds = append(seeds,
				namedSeed{fmt.Sprintf("%s-%s-clean", sh, p), simSeed(sh, kind, pi, false, b2|0x40, 0, byte(pi))},
				namedSeed{fmt.Sprintf("%s-%s-faults", sh, p), simSeed(sh, (kind+1)%3, pi, pi%2 == 1, b2, 0, byte(pi+7),
					drop(sim.A, 1), delay(sim.B, 1, 1500), dup(sim.A, 3, 300), drop(sim.A, 5), drop(sim.B, 4), dup(sim.B, 6, 20000))},
			)
		}
		seeds = append(seeds,
			namedSeed{fmt.Sprintf("%s-lossy", sh), simSeed(sh, 2, int(sh)%len(names), false, 0x3F|0x80, 0x3F|0x40, 3)},
			namedSeed{fmt.Sprintf("%s-storm", sh), simSeed(sh, 1, (int(sh)+3)%len(names), true, 0x2D|0xC0, 0xFF, 9,
				delay(sim.A, 2, 65535), dup(sim.B, 2, 4000), drop(sim.A, 7), drop(sim.A, 8), drop(sim.A, 9))},
		)
	}
	return seeds
}

func msDur(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
