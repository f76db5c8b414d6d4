//go:build linux

package stacks

import (
	"github.com/tcpclose/tcpclose/linuxstack"
	"github.com/tcpclose/tcpclose/script"
)

// setQuickAck replaces the route to the scripted peer's network in ns
// with one carrying the quickack metric (linuxstack.NetNS.SetRouteQuickAck):
// Linux then acknowledges every segment at once, as the model does,
// instead of entering delayed-ACK ("pingpong") mode, e.g. after a FIN.
func setQuickAck(ns *linuxstack.NetNS) error {
	dst := script.RemoteIP
	dst[3] = 0
	return ns.SetRouteQuickAck(linuxstack.TUNName, dst, 24, script.LocalIP)
}
