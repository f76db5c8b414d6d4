//go:build !mutants

package impl

// mutation is empty in the default build: no Stack carries a mutant.
type mutation struct{}

// mutant reports whether the Stack was built with the defect m; in the
// default build never, so every guard compiles to the correct branch
// alone. Build with -tags mutants for NewMutant.
func (*Stack) mutant(Mutant) bool { return false }
