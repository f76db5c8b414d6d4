//go:build linux

package fuzz

func codecSeedsFunc() func() []namedSeed { return codecSeeds }
