package splitmix

import "testing"

// Known values of the SplitMix64 finaliser (the outputs of SplitMix64
// seeded with 0 are Mix(k*0x9e3779b97f4a7c15) for k = 1, 2).
func TestMix(t *testing.T) {
	for _, c := range []struct{ in, want uint64 }{
		{0, 0},
		{0x9e3779b97f4a7c15, 0xe220a8397b1dcdaf},
		{0x3c6ef372fe94f82a, 0x6e789e6aa1b965f4},
	} {
		if got := Mix(c.in); got != c.want {
			t.Errorf("Mix(%#x) = %#x, want %#x", c.in, got, c.want)
		}
	}
}
