package fuzz

import "testing"

// The fuzz functions only call this package's exported functions: OSS-Fuzz
// compiles this file alone with the package (see doc.go). Seeds live in
// testdata/fuzz/<Target>/ (go test ./fuzz -run TestGenerateSeeds -rewrite
// writes them).
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzAgree$' -fuzztime 600s
//	tools/fuzz.sh 600

// FuzzAgree: model and implementation agree on every event sequence.
func FuzzAgree(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := Agree(data); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzSim: the end-to-end properties hold under any fault schedule.
func FuzzSim(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := Sim(data); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzScript: arbitrary text parses or fails with a positioned error,
// never panics, and a script that parses plays alike on the model and the
// implementation.
func FuzzScript(f *testing.F) {
	f.Fuzz(func(t *testing.T, src []byte) {
		if err := Script(src); err != nil {
			t.Fatal(err)
		}
	})
}
