package fuzz

import "testing"

// FuzzSegmentCodec: the packet codec (package wire) never panics and
// round-trips what it decodes.
func FuzzSegmentCodec(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := SegmentCodec(b); err != nil {
			t.Fatal(err)
		}
	})
}
