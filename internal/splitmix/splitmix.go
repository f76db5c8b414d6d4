// Package splitmix holds the finaliser of SplitMix64, the one mixing
// function the simulator, the fuzz decoders and the property tests use to
// spread a seed or a counter over 64 bits.
package splitmix

// Mix returns the SplitMix64 finaliser of x: a bijection of uint64 whose
// output bits each depend on every input bit.
func Mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
