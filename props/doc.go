// Package props holds tcpclose's property tests; it has no code outside
// its tests.
//
//   - Agreement: random event sequences run through the model (the oracle)
//     and the optimized implementation (package impl), compared after
//     every step by check.Agree; one generator under rapid
//     (TestImplAgreesWithModel, impl_agree_test.go) and an independent one
//     under gopter (TestImplAgreesWithModelGopter), on every profile and
//     variant, plus recorded streams and scenarios.
//   - Invariants (invariants_test.go): rules that must hold after every
//     step of either engine alone.
//   - End to end (e2e_*_test.go): two hosts in the simulator (package sim)
//     under loss, duplication and reordering; each property is an e2eProp
//     (a rapid generator, a gopter generator, a check from package check)
//     run by one rapid runner and one gopter runner; TestE2EInterchange*
//     checks that impl and mixed hosts give the model's trace.
//   - Mutation tests (mutants_test.go, go test -tags mutants): every
//     deliberate defect of impl.NewMutant must be caught.
//
// Long campaigns run behind TCPCLOSE_LONG=1 and TCPCLOSE_MUTANTS=1
// (docs/developing.md); random runs print their seeds.
package props
