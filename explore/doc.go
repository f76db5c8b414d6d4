// Package explore is an exhaustive breadth-first explorer of two model
// hosts connected by a bounded, lossy, reordering channel.
package explore
