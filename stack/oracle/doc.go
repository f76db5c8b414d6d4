// Package oracle judges a TCP stack against the model on scenario
// scripts, as `tcpclose run` does: Run plays a script on the stack of a
// stack.Entry and on the model with the same profile, and its Report says
// whether each passed and, where they part ways, the script's line, what
// the script expected, what the stack did, what the model predicts and
// the rules the model applied.
//
// Run is the one way to judge a stack from Go with the command line's
// verdicts (docs/oracle.md): Judge wraps the stack as the command line
// does (the fields a real stack is checked on, its sysctls), RunOptions
// gives the runner the entry's tolerance, the timestamp-echo mapping and
// wall-clock pacing, and the model is built from the script's own set-up.
// ModelEntry and ImplEntry are the model and the optimized implementation
// as registry entries; Expectations record the known departures of a
// corpus on a stack, for tests that should fail only on new ones.
//
// The package sits above package script (the parser and runner, which do
// not import the model) and package stack (the Stack face, which imports
// neither): it is where the model meets the runner.
package oracle
