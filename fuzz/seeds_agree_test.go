package fuzz

import (
	"fmt"
)

// An assembler for FuzzAgree inputs (the encoding is documented in
// agree.go), used to write the seed corpus.

type agreeAsm struct{ b []byte }

// Scenes of the header's h1.
const (
	sceneListen  = 0
	sceneConnect = 1
	sceneBoth    = 2
	sceneNone    = 3
)

// Call indices into callTable.
const (
	ciRead, ciWrite, ciClose, ciAccept, ciShutdown, ciSocket, ciConnect, ciBind, ciListen, ciSetsockopt, ciGetsockopt = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
)

// Drive selectors.
const (
	selTW, selFW, selEst, selSyn = 0, 1, 2, 3
)

func agreeSeed(profile, variant string, h1, h2 byte) *agreeAsm {
	names := Profiles()
	pi, vi := -1, -1
	for i, n := range names {
		if n == profile {
			pi = i
		}
	}
	for i, v := range AgreeVariants() {
		if v.Name == variant {
			vi = i
		}
	}
	if pi < 0 || vi < 0 || vi*len(names)+pi > 255 {
		panic(fmt.Sprintf("agreeSeed: no profile %s/%s", profile, variant))
	}
	return &agreeAsm{b: []byte{byte(vi*len(names) + pi), h1, h2}}
}

func (a *agreeAsm) op(kind, p byte, args ...byte) *agreeAsm {
	a.b = append(a.b, kind|p<<3)
	a.b = append(a.b, args...)
	return a
}

// call: ci indexes callTable, f is the fd/time byte, args the rest.
func (a *agreeAsm) call(ci, f byte, args ...byte) *agreeAsm {
	return a.op(0, ci, append([]byte{f}, args...)...)
}

// seg: a crafted segment on tuple selector t with bytes F, S, A, O.
func (a *agreeAsm) seg(t, f, s, ack, o byte) *agreeAsm { return a.op(1, t, f, s, ack, o) }

// reply answers the k-th newest segment the host sent.
func (a *agreeAsm) reply(k, x byte) *agreeAsm     { return a.op(2, k, x) }
func (a *agreeAsm) replay(mode, k byte) *agreeAsm { return a.op(3, mode|k<<2) }

// clock: k 0-2 deadline -1/0/+1 (which: 0 next, 1 TIME-WAIT, 2
// retransmission, 3 other), 3-6 jumps, 7 fire deadlines.
func (a *agreeAsm) clock(k, which byte) *agreeAsm { return a.op(4, k|which<<3) }
func (a *agreeAsm) drive(sel, d byte) *agreeAsm   { return a.op(5, sel, d) }
func (a *agreeAsm) fresh(d byte) *agreeAsm        { return a.op(6, 3<<3, d) }
func (a *agreeAsm) active(v byte) *agreeAsm       { return a.op(7, 1|v<<2) }
func (a *agreeAsm) passive(v byte) *agreeAsm      { return a.op(7, 2|v<<2) }
func (a *agreeAsm) bogus(k byte) *agreeAsm        { return a.op(7, k<<2) }
func (a *agreeAsm) raw(t, flags byte, seq, ack uint32, n byte) *agreeAsm {
	return a.op(7, 3, t, flags, byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq),
		byte(ack>>24), byte(ack>>16), byte(ack>>8), byte(ack), n)
}

// Common walks.

// inbound opens a connection from the peer on port 50000+port and
// accepts it (needs a listener).
func (a *agreeAsm) inbound(port byte) *agreeAsm {
	return a.fresh(port<<1).drive(selSyn, 0).drive(selEst, 0x80)
}

// established answers the host's SYN (scene connect).
func (a *agreeAsm) established() *agreeAsm { return a.drive(selSyn, 0) }

// finAckUna: the peer's FIN that does not acknowledge ours (conn 0).
func (a *agreeAsm) finAckUna() *agreeAsm { return a.seg(0, 1, 0, 1, 1) }

type namedSeed struct {
	name string
	data []byte
}

// agreeSeeds is the FuzzAgree seed corpus: for every profile, walks
// through every state (active and passive close, simultaneous close,
// simultaneous open, TIME-WAIT expiry, reopen and reset, retransmissions
// running out), then variants that wake dormant behaviour, then odd
// inputs.
func agreeSeeds() []namedSeed {
	var seeds []namedSeed
	add := func(name string, a *agreeAsm) { seeds = append(seeds, namedSeed{name, append([]byte(nil), a.b...)}) }
	for _, p := range Profiles() {
		add(p+"-active-close-tw-expiry",
			agreeSeed(p, "plain", sceneListen, 0).inbound(0).
				drive(selEst, 0). // close: FIN-WAIT-1
				drive(selFW, 6).  // ACK of FIN: FIN-WAIT-2
				drive(selFW, 8).  // FIN: TIME-WAIT
				drive(selTW, 2).  // retransmitted FIN in TIME-WAIT
				clock(0, 1).      // just before 2MSL
				clock(1, 1).      // 2MSL: CLOSED
				drive(selEst, 6)) // nothing left: a fresh SYN or ACK
		add(p+"-passive-close",
			agreeSeed(p, "plain", sceneConnect, 0).established().
				drive(selEst, 10). // data
				drive(selEst, 3).  // read
				drive(selEst, 8).  // FIN: CLOSE-WAIT
				drive(selEst, 2).  // write
				drive(selEst, 0).  // close: LAST-ACK
				clock(1, 2).       // the FIN again
				drive(selEst, 6))  // ACK: CLOSED
		add(p+"-simultaneous-close",
			agreeSeed(p, "plain", sceneConnect, 0).established().
				drive(selEst, 1). // shutdown: FIN-WAIT-1
				finAckUna().      // crossing FIN: CLOSING
				drive(selFW, 6).  // ACK of our FIN: TIME-WAIT
				drive(selTW, 3).  // RST at RCV.NXT in TIME-WAIT
				drive(selTW, 5))
		add(p+"-tw-reopen",
			agreeSeed(p, "plain", sceneListen, 2).inbound(1).
				drive(selEst, 0).drive(selFW, 8). // FIN,ACK of our FIN: TIME-WAIT at once
				drive(selTW, 0).                  // reopening SYN above RCV.NXT
				drive(selSyn, 3).                 // RST: back to TIME-WAIT where the profile says so
				drive(selTW, 7).                  // SYN with a newer timestamp at RCV.NXT
				drive(selSyn, 0).                 // ACK: ESTABLISHED
				drive(selEst, 0x80))
		add(p+"-tw-rst",
			agreeSeed(p, "plain", sceneListen, 0).active(0).
				drive(selTW, 4|1<<3). // RST,ACK at RCV.NXT+1
				drive(selTW, 3).      // RST at RCV.NXT
				drive(selTW, 5).      // ACK
				active(2).drive(selTW, 1|3<<3))
		add(p+"-syn-retries",
			agreeSeed(p, "plain", sceneConnect, 0).clock(7, 3).clock(7, 3).call(ciGetsockopt, 0, 6))
		add(p+"-simultaneous-open",
			agreeSeed(p, "plain", sceneConnect, 0).
				reply(0, 0x80).   // SYN: SYN-RECEIVED
				drive(selSyn, 4). // SYN,ACK
				drive(selSyn, 0). // ACK
				drive(selEst, 0).drive(selFW, 6).drive(selFW, 8))
		add(p+"-lifecycles",
			agreeSeed(p, "plain", sceneBoth, 4).active(0).passive(1).active(1<<1|1).passive(2<<1|1).
				drive(selSyn, 0).clock(7, 1).clock(6, 0))
		add(p+"-synrcvd-close",
			agreeSeed(p, "plain", sceneListen, 0).fresh(0).drive(selSyn, 0).
				call(ciClose, 0). // close the listener: the queued connection goes
				fresh(2).         // a SYN to nothing
				reply(0, 3).      // answer the RST
				clock(5, 0))
		add(p+"-abort-and-data",
			agreeSeed(p, "plain", sceneListen, 3).inbound(0).
				drive(selEst, 10|1<<4).drive(selEst, 11|1<<4).drive(selEst, 2|1<<4).
				reply(0, 2).reply(0, 0).drive(selEst, 5).fresh(4).drive(selSyn, 2).drive(selEst, 13))
		add(p+"-fin-wait-2-idle",
			agreeSeed(p, "plain", sceneListen, 0).inbound(0).drive(selEst, 0).drive(selFW, 6).
				clock(0, 3).clock(1, 3).clock(2, 3).drive(selFW, 10).clock(5, 1))
	}
	for _, v := range AgreeVariants()[1:] {
		for _, p := range []string{"rfc9293", "linux"} {
			add(p+"+"+v.Name+"-mix",
				agreeSeed(p, v.Name, sceneBoth, 1).active(0).active(1<<1).passive(2<<1).
					inbound(3).drive(selEst, 4).drive(selEst, 0).drive(selFW, 8).
					drive(selTW, 0).drive(selTW, 3).clock(7, 0).
					fresh(1).reply(0, 0).drive(selEst, 1).finAckUna().drive(selFW, 6).clock(1, 1))
		}
	}
	add("rfc9293-tw-reopen-no-timestamps",
		agreeSeed("rfc9293", "plain", sceneListen|0x80, 0).inbound(0).drive(selEst, 0).drive(selFW, 8).
			drive(selTW, 0).drive(selSyn, 0).drive(selEst, 0x80).drive(selEst, 0).drive(selFW, 8).
			drive(selTW, 2<<3)) // a SYN at RCV.NXT: no reopen
	add("rfc9293+odd-abort-timewait",
		agreeSeed("rfc9293", "odd", sceneListen, 0).inbound(0).drive(selEst, 5).drive(selTW, 0).clock(1, 1))
	for _, p := range []string{"rfc9293", "linux", "freebsd"} {
		add(p+"-reopen-no-listener",
			agreeSeed(p, "plain", sceneConnect, 0).established().drive(selEst, 0).drive(selFW, 8).
				drive(selTW, 0).drive(selTW, 1<<3).drive(selTW, 7))
	}
	add("rfc9293-bind-over-tw",
		agreeSeed("rfc9293", "plain", sceneListen, 0).inbound(0).drive(selEst, 0).drive(selFW, 8).
			call(ciClose, 0).call(ciSocket, 0).call(ciBind, 4, 0).
			call(ciSetsockopt, 4, 1, 0).call(ciBind, 4, 0).call(ciListen, 4, 0))
	add("linux+reopen-connect-over-tw",
		agreeSeed("linux", "reopen", sceneNone, 0).
			call(ciSocket, 0).call(ciSetsockopt, 4, 1, 0).call(ciBind, 4, 2<<2).call(ciConnect, 4, 0).
			established().drive(selEst, 0).drive(selFW, 8).
			call(ciSocket, 0).call(ciSetsockopt, 4, 1, 0).call(ciBind, 4, 2<<2).call(ciConnect, 4, 0).
			clock(3, 3).active(1).active(1))
	add("odd-calls",
		agreeSeed("rfc9293", "plain", sceneNone, 0).
			call(ciSocket, 0).call(ciSetsockopt, 0, 2, 0). // SO_LINGER
			call(15, 0).call(14, 0).call(ciBind, 0, 1<<2).call(ciListen, 0, 6).
			call(ciConnect, 8, 1).call(ciRead, 9, 6).call(ciWrite, 10, 7).call(ciShutdown, 0, 3).
			call(ciGetsockopt, 0, 7).call(ciSetsockopt, 0x70, 0x80|9, 0xF0).bogus(5))
	add("raw-segments",
		agreeSeed("linux", "plain", sceneListen, 0).
			raw(8, 0x02, 0xFFFFFFFF, 0, 0).raw(0, 0x10, 0, 0, 200).raw(0, 0x3F, 1<<31, 1<<31, 255).
			seg(9, 0xC3, 0x3D, 0xFF, 0xFF).seg(13, 5, 0xD8, 0x1A, 0x22).seg(0, 0x4A, 0x4C, 0x5B, 0x80))
	add("replays",
		agreeSeed("freebsd", "plain", sceneConnect, 0).established().drive(selEst, 2|1<<4).
			replay(1, 0).replay(2, 0).replay(3, 0).replay(0, 0).replay(0, 1).reply(0, 0x12).
			drive(selEst, 0).replay(3, 0).replay(1, 0).clock(7, 3))
	return seeds
}
