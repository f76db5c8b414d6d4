package fuzz

func simSeeds() []namedSeed    { return nil }
func scriptSeeds() []namedSeed { return nil }
