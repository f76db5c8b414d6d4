// Package spec is the shared vocabulary of tcpclose: the eleven connection
// states of RFC 9293, segments, events, outputs, errno values, sequence
// arithmetic modulo 2^32, profiles (every MAY, SHOULD and ambiguity of the
// closing rules as a named choice with its source), and the rule catalogue
// with stable rule IDs.
//
// Both the executable model (package model) and the optimized implementation
// (package impl) speak this vocabulary and nothing else, so that their
// outputs can be compared value for value. spec holds no behaviour beyond
// arithmetic and formatting: what a TCP does lives in model and impl.
package spec
