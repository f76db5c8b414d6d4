// Package script parses scenario scripts written in a subset of
// packetdrill's syntax and plays them against a Stack: the model, the
// optimized implementation or a real TCP stack.
package script
