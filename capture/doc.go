// Package capture reads a packet capture (pcap or pcapng, through package
// wire) and judges how every TCP connection in it closed.
//
// Connections are keyed by their 4-tuple and an incarnation number: a
// new SYN on a tuple whose connection has ended (or whose close left one
// side in TIME-WAIT) starts the next incarnation, and a SYN that arrives
// while a side holds TIME-WAIT is reported as a TIME-WAIT reopen. A
// capture that starts in the middle of a connection is judged from its
// first packet on and says so; one that ends early says what was still
// pending.
//
// For every connection Judge reports a close summary richer than Zeek's
// conn_state (who closed first; four-way, simultaneous, half-close with
// data after the first FIN, or abortive; the RSTs, by whom and whether
// they were acceptable; the final ACK lost and re-sent from TIME-WAIT;
// who held TIME-WAIT and for how long as far as the capture shows) and,
// per endpoint, a verdict: conforms, a violation at packet #N naming the
// rules of the catalogue (spec.Rules) it breaks, or cannot judge with the
// reason.
//
// The checks are rules about what one endpoint sent, given what the
// capture shows the other sent (sequence space after a FIN, FIN
// retransmissions, acknowledgment of FINs, RST acceptability, the
// TIME-WAIT re-ACK), and the hazards of a new incarnation taken into the
// old one's sequence space soon after TIME-WAIT began (R9293-MUST13) or
// after a RST ended it (R1337-TWA). With Options.Profile each endpoint is
// also replayed on the model (model.New): the other side's packets as
// input, what the capture does not show searched for within a bound
// (application calls; unless the capture is at the endpoint, segments
// lost, delayed or copied on the way to it and its own retransmissions
// lost before the capture point; timers a little late), its SYN, FIN,
// RST and data segments and its pure ACKs compared (Endpoint.Model).
// With Options.Auto each endpoint is replayed under several profiles and
// the ones it fits are listed (Endpoint.Fits). docs/capture.md lists the
// limits.
//
// Memory is bounded by the connections alive in the capture: a finished
// connection is reported and forgotten once the capture has moved
// Options.Linger past its last packet.
package capture
