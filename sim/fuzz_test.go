package sim

import (
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

// FuzzFaults (in package sim itself, so that OSS-Fuzz's native build,
// which compiles this file with the package alone, finds everything) runs the half-close exchange of the "half-close" scenario
// under a fault schedule decoded from the fuzzer's bytes. A finite
// schedule of drops, delays and duplicates cannot stop a graceful close
// when no side gives up (R2 infinite): both sides must end CLOSED, every
// octet read once before EOF, and no reset or timeout reported
// (R9293-CLOSE-RELIABLE, R9293-MUST12).
func FuzzFaults(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x00, 2, 0, 0})                       // drop the client's ACK of the SYN-ACK
	f.Add([]byte{0x03, 1, 0x03, 0xe8})                 // delay the server's SYN-ACK by 1 s
	f.Add([]byte{0x04, 3, 0x27, 0x10, 0x01, 4, 0, 0})  // duplicate client data late; drop a server segment
	f.Add([]byte{0x02, 4, 0xff, 0xff, 0x05, 30, 0, 1}) // delay beyond MSL: the segment dies
	f.Fuzz(func(t *testing.T, b []byte) {
		// At most 16 faults (4 bytes each) are read: the cost of one
		// input, and of Go's minimizer on a new one (a number of runs
		// quadratic in the bytes that matter), stays small.
		fs := FaultsFromBytes(b[:min(len(b), 4*16)])
		sc, err := LookupScenario("half-close")
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := sc.Config(spec.MustProfile("rfc9293"), 1, "R2=-1", "SynR2=-1")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Faults = fs
		cfg.Net.MSL = 30e9 // 30 s, so that long delays kill segments
		res, err := Run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		a, b2 := res.Sides[A].Established(), res.Sides[B].Established()
		fail := res.Reason != EndClosed || len(a) != 1 || len(b2) != 1
		if !fail {
			cli, srv := a[0], b2[0]
			fail = cli.Read != 50000 || srv.Read != 3000 || cli.ReadAtEOF != 50000 || srv.ReadAtEOF != 3000 ||
				cli.Told(spec.NoticeReset) || srv.Told(spec.NoticeReset) || len(cli.Errors)+len(srv.Errors) > 0
		}
		if fail {
			t.Fatalf("faults %v:\n%s\n%s", fs, res.Summary(), res.Trace)
		}
	})
}
