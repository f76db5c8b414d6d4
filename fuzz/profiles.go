package fuzz

import (
	"slices"

	"github.com/tcpclose/tcpclose/spec"
)

// laterProfiles are built-in profiles added after the fuzz corpus was
// generated. The decoders pick a profile by byte modulo the number of
// profiles, so a new profile would re-map every stored input (the
// campaign's cov-* inputs lose their reach); it joins Profiles when the
// corpus is regenerated (go test ./fuzz -run TestGenerateSeeds -regen, and
// a campaign).
var laterProfiles = []string{"lwip"}

// Profiles lists the profiles the decoders choose from: spec.ProfileNames
// without laterProfiles.
func Profiles() []string {
	var out []string
	for _, n := range spec.ProfileNames() {
		if !slices.Contains(laterProfiles, n) {
			out = append(out, n)
		}
	}
	return out
}
