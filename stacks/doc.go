// Package stacks names the TCP stacks tcpclose can drive and replays
// scenario scripts against them with the model as a second opinion.
//
// A Registry maps a stack's name ("model", "linux", and, in other
// modules or once finished, "gvisor" and "impl") to an Entry: a Factory
// that builds the stack configured as closely as it can be to a
// spec.Profile, the profile the stack is compared against by default, and
// how precise its clock is. Registries are values; Default returns a new
// one holding model and linux, and With adds an entry to a copy. There is
// no package-level registry to mutate.
//
// A factory is given the profile after every override (the script's
// --tcpclose_set and sysctls, the command line's --set) and translates the
// fields that differ from its stack's own defaults into the stack's
// settings (Linux sysctls; netstack options). A difference it cannot
// express is not an error: the stack is built anyway and reports the
// difference through Noter, so that a run against another profile (say,
// Linux against rfc9293) shows where the stack departs from it.
//
// RunCommand implements "tcpclose run": each script is played on the
// stack and on the model with the same profile; a divergence on the stack
// is reported with the script's line, what the script expected, what the
// stack did, what the model predicts and the rules the model applied.
// RunScript does the same for one script and returns a ScriptReport.
package stacks
