//go:build linux

package fuzz

import "testing"

// FuzzSegmentCodec: the segment codec of the Linux adapter never panics
// and round-trips what it decodes.
func FuzzSegmentCodec(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := SegmentCodec(b); err != nil {
			t.Fatal(err)
		}
	})
}
