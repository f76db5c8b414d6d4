package gvisor

import (
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// A scenario drives a stack through one closing sequence. The outputs it
// wants are those netstack produces; run against the model, the misses
// and the trace diff are the differences between netstack and the model's
// gvisor profile (TestGvisorProfileDifferences).
type scenario struct {
	name string
	// profile overrides for the model, and the same settings for netstack
	// (SetProfileField), so both run with equal timers.
	overrides [][2]string
	run       func(p *peer)
}

var scenarios = []scenario{
	{name: "passive-close", run: passiveClose},
	{name: "active-close-time-wait", run: activeCloseTimeWait},
	{name: "time-wait-rst", run: timeWaitRST},
	{name: "close-unread-data", run: closeUnread},
	{name: "linger-zero", run: lingerZero},
	{name: "fin-wait-2-timeout", overrides: [][2]string{{"FinWait2Timeout", "5s"}}, run: finWait2Timeout},
	{name: "fin-wait-2-linger2", run: finWait2Linger2},
	{name: "shutdown-time-wait-socket", run: shutdownTimeWaitSocket},
	{name: "active-open-close", run: activeOpenClose},
	{name: "linger-timeout", run: lingerTimeout},
	{name: "linger-acked", run: lingerAcked},
	{name: "time-wait-syn-reopen", run: timeWaitSynReopen},
	{name: "data-after-close", run: dataAfterClose},
	{name: "rst-in-close-wait", run: rstInCloseWait},
	{name: "close-syn-sent", run: closeSynSent},
	{name: "time-wait-ack-no-restart", run: timeWaitACKNoRestart},
	{name: "time-wait-syn-old-seq", run: timeWaitSynOldSeq},
	{name: "time-wait-syn-no-listener", run: timeWaitSynNoListener},
	{name: "rst-in-window-challenge", run: rstInWindowChallenge},
	{name: "syn-in-established", run: synInEstablished},
	{name: "ack-above-snd-nxt", run: ackAboveSndNxt},
	{name: "simultaneous-close", run: simultaneousClose},
	{name: "fin-without-ack", run: finWithoutACK},
	{name: "close-after-shutdown", run: closeAfterShutdown},
	{name: "timestamp-missing", run: timestampMissing},
	{name: "bind-over-time-wait", run: bindOverTimeWait},
	{name: "bind-over-time-wait-one-reuse", run: bindOverTimeWaitOneReuse},
	{name: "connect-over-time-wait", run: connectOverTimeWait},
	{name: "user-timeout", run: userTimeout},
	{name: "last-ack-retransmit", run: lastAckRetransmit},
	{name: "fin-wait-1-retransmit-active", run: finWait1RetransmitActive},
	{name: "time-wait-data", run: timeWaitData},
	{name: "fin-retransmit-after-rtt", run: finRetransmitAfterRTT},
}

var (
	read100 = func(fd int32) spec.Call { return spec.Call{Kind: spec.CallRead, FD: fd, N: 100} }
	write10 = func(fd int32) spec.Call { return spec.Call{Kind: spec.CallWrite, FD: fd, N: 10} }
	closeFD = func(fd int32) spec.Call { return spec.Call{Kind: spec.CallClose, FD: fd} }
	shutWR  = func(fd int32) spec.Call { return spec.Call{Kind: spec.CallShutdown, FD: fd, How: spec.ShutWR} }
	linger  = func(fd int32, on, secs int64) spec.Call {
		return spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptLinger, Val: on, Val2: secs}
	}
)

// passiveClose: the peer closes first; the stack ACKs its FIN (CLOSE-WAIT),
// the application reads end-of-file and closes; the FIN is ACKed and the
// connection is gone (RFC 9293 §3.6 case 2). R9293-SEG-FIN, R9293-CALL-CLOSE.
func passiveClose(p *peer) {
	fd := p.passiveOpen()
	p.wait(100 * time.Millisecond)
	p.want(p.send(spec.PSH|spec.ACK, 10), "> . 1:1(0) ack 11")
	p.want(p.call(read100(fd)), "read(4) = 10")
	p.wait(100 * time.Millisecond)
	p.want(p.send(spec.FIN|spec.ACK, 0), "> . 1:1(0) ack 12")
	p.wantSockState(fd, spec.CloseWait)
	p.want(p.call(read100(fd)), "read(4) = 0")
	p.wait(100 * time.Millisecond)
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 12", "close(4) = 0")
	p.wantState(spec.LastAck)
	p.wait(100 * time.Millisecond)
	p.want(p.send(spec.ACK, 0))
	p.wantState(spec.Closed)
}

// toTimeWait: the application writes 10 octets and closes first; the peer
// ACKs, then sends its FIN, which the stack ACKs on entering TIME-WAIT.
func toTimeWait(p *peer) {
	fd := p.passiveOpen()
	p.wait(100 * time.Millisecond)
	p.want(p.call(write10(fd)), "> P. 1:11(10) ack 1", "write(4) = 10")
	p.want(p.send(spec.ACK, 0))
	p.wait(100 * time.Millisecond)
	p.want(p.call(closeFD(fd)), "> F. 11:11(0) ack 1", "close(4) = 0")
	p.wantState(spec.FinWait1)
	p.want(p.send(spec.ACK, 0))
	p.wantState(spec.FinWait2)
	p.wait(100 * time.Millisecond)
	p.want(p.send(spec.FIN|spec.ACK, 0), "> . 12:12(0) ack 2")
	p.wantState(spec.TimeWait)
}

// activeCloseTimeWait: a retransmitted FIN in TIME-WAIT is ACKed again and
// restarts the 2MSL timer; TIME-WAIT then lasts its 60 s.
// R9293-SEG-FIN-TW, AMB-TW-FIN, R9293-MUST13.
func activeCloseTimeWait(p *peer) {
	toTimeWait(p)
	twStart := p.at
	p.wait(time.Second)
	p.want(p.resend(spec.FIN|spec.ACK, 1, 0), "> . 12:12(0) ack 2")
	// Without the restart TIME-WAIT would end at twStart+60s.
	p.advance(twStart.Add(60*time.Second + 500*time.Millisecond))
	p.wantState(spec.TimeWait)
	p.advance(twStart.Add(61*time.Second + 500*time.Millisecond))
	p.wantState(spec.Closed)
}

// timeWaitRST: RSTs in TIME-WAIT, at RCV.NXT and in the window, are
// ignored (RFC 1337 TIME-WAIT assassination hazard). R1337-F1, AMB-TW-RST.
func timeWaitRST(p *peer) {
	toTimeWait(p)
	p.wait(time.Second)
	p.want(p.resend(spec.RST, 2, 0))
	p.wantState(spec.TimeWait)
	p.want(p.resend(spec.RST|spec.ACK, 2, 0))
	p.wantState(spec.TimeWait)
	p.want(p.resend(spec.RST, 100, 0))
	p.wantState(spec.TimeWait)
	p.want(p.resend(spec.FIN|spec.ACK, 1, 0), "> . 12:12(0) ack 2")
}

// closeUnread: close() with received data unread sends RST|ACK at SND.NXT
// and RCV.NXT and drops the connection. R9293-SHLD3, R2525-RST-UNREAD.
func closeUnread(p *peer) {
	fd := p.passiveOpen()
	p.want(p.send(spec.PSH|spec.ACK, 10), "> . 1:1(0) ack 11")
	p.wait(100 * time.Millisecond)
	p.want(p.call(closeFD(fd)), "> R. 1:1(0) ack 11", "close(4) = 0")
	p.wantState(spec.Closed)
	p.want(p.send(spec.PSH|spec.ACK, 10), "> R 1:1(0)")
}

// lingerZero: SO_LINGER {on, 0} makes close() an ABORT: RST|ACK.
// R9293-CALL-ABORT, R9293-ABORT-SYNC.
func lingerZero(p *peer) {
	fd := p.passiveOpen()
	p.want(p.call(linger(fd, 1, 0)), "setsockopt(4) = 0")
	p.want(p.call(write10(fd)), "> P. 1:11(10) ack 1", "write(4) = 10")
	p.wait(100 * time.Millisecond)
	p.want(p.call(closeFD(fd)), "> R. 11:11(0) ack 1", "close(4) = 0")
	p.wantState(spec.Closed)
}

// finWait2Timeout: an orphaned FIN-WAIT-2 ends after the stack's
// FIN-WAIT-2 timeout (here 5 s), silently; a late FIN draws a RST.
// AMB-FW2-TIMER.
func finWait2Timeout(p *peer) {
	fd := p.passiveOpen()
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(4) = 0")
	p.want(p.send(spec.ACK, 0))
	p.wantState(spec.FinWait2)
	start := p.at
	p.want(p.advance(start.Add(4900 * time.Millisecond)))
	p.wantState(spec.FinWait2)
	p.want(p.advance(start.Add(5100 * time.Millisecond)))
	p.wantState(spec.Closed)
	p.want(p.send(spec.FIN|spec.ACK, 0), "> R 2:2(0)")
}

// finWait2Linger2: TCP_LINGER2 sets the FIN-WAIT-2 timeout per socket.
func finWait2Linger2(p *peer) {
	fd := p.passiveOpen()
	p.want(p.call(spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptLinger2, Val: 3}), "setsockopt(4) = 0")
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(4) = 0")
	p.want(p.send(spec.ACK, 0))
	start := p.at
	p.want(p.advance(start.Add(2900 * time.Millisecond)))
	p.wantState(spec.FinWait2)
	p.want(p.advance(start.Add(3100 * time.Millisecond)))
	p.wantState(spec.Closed)
}

// shutdownTimeWaitSocket: after shutdown(SHUT_WR) the connection reaches
// TIME-WAIT while the application still holds the socket. AMB-SOCKET-TW.
func shutdownTimeWaitSocket(p *peer) {
	fd := p.passiveOpen()
	p.want(p.call(shutWR(fd)), "> F. 1:1(0) ack 1", "shutdown(4) = 0")
	p.wantSockState(fd, spec.FinWait1)
	p.want(p.send(spec.ACK, 0))
	p.wantSockState(fd, spec.FinWait2)
	p.want(p.send(spec.PSH|spec.ACK, 10), "> . 2:2(0) ack 11")
	p.want(p.send(spec.FIN|spec.ACK, 0), "> . 2:2(0) ack 12")
	p.wantState(spec.TimeWait)
	p.wantSockState(fd, spec.TimeWait)
	p.want(p.call(read100(fd)), "read(4) = 10")
	p.want(p.call(read100(fd)), "read(4) = 0")
	p.want(p.call(write10(fd)), "write(4) = -1 EPIPE")
	p.want(p.call(closeFD(fd)), "close(4) = 0")
	p.wantState(spec.TimeWait)
}

// activeOpenClose: the connecting side closes; the peer's FIN|ACK
// acknowledges our FIN and closes in one segment (FIN-WAIT-1 straight to
// TIME-WAIT).
func activeOpenClose(p *peer) {
	fd := p.activeOpen()
	p.wait(100 * time.Millisecond)
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(3) = 0")
	p.want(p.send(spec.FIN|spec.ACK, 0), "> . 2:2(0) ack 2")
	p.wantState(spec.TimeWait)
}

// lingerTimeout: with SO_LINGER {on, 2}, close() waits; the peer never ACKs
// the FIN, which is retransmitted after the RTO; close returns after 2 s.
func lingerTimeout(p *peer) {
	fd := p.passiveOpen()
	p.want(p.call(linger(fd, 1, 2)), "setsockopt(4) = 0")
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1")
	p.want(p.wait(2500*time.Millisecond), "> F. 1:1(0) ack 1", "close(4) = 0")
	p.wantState(spec.FinWait1)
}

// lingerAcked: with SO_LINGER {on, 3}, close() waits. Linux returns once
// the FIN is acknowledged; gVisor's sentry waits for EventHUp, which comes
// only with TIME-WAIT (or the end of the connection).
func lingerAcked(p *peer) {
	fd := p.passiveOpen()
	p.want(p.call(linger(fd, 1, 3)), "setsockopt(4) = 0")
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1")
	p.wait(500 * time.Millisecond)
	p.want(p.send(spec.ACK, 0))
	p.wantState(spec.FinWait2)
	p.want(p.wait(time.Second))
	p.want(p.send(spec.FIN|spec.ACK, 0), "> . 2:2(0) ack 2", "close(4) = 0")
}

// timeWaitSynReopen: a new SYN with a higher sequence number and a newer
// timestamp, arriving in TIME-WAIT while the listener is open, starts a
// new connection. R9293-MAY2, R6191-TS.
func timeWaitSynReopen(p *peer) {
	toTimeWait(p)
	p.wait(time.Second)
	p.sndNxt = p.sndNxt.Add(100000)
	syn := p.seg(spec.SYN, 0)
	syn.Opts.MSS = 1460
	p.sndNxt = syn.End()
	out := p.inject(syn)
	if segs := segments(out); len(segs) == 1 && segs[0].Flags == spec.SYN|spec.ACK {
		p.note("reopen ISS - old SND.NXT = %d", segs[0].Seq.Sub(p.theirs.Add(12)))
		return
	}
	p.want(out, "> S. (a SYN-ACK)")
}

// dataAfterClose: data arriving in FIN-WAIT-2 after close() (the
// application can no longer read it). R9293-SHLD3, R2525-RST-LATE-DATA.
func dataAfterClose(p *peer) {
	fd := p.passiveOpen()
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(4) = 0")
	p.want(p.send(spec.ACK, 0))
	p.wantState(spec.FinWait2)
	p.want(p.send(spec.PSH|spec.ACK, 10), "> R. 2:2(0) ack 1")
	p.wantState(spec.Closed)
}

// rstInCloseWait: a RST after the peer's FIN; SO_ERROR is EPIPE (as on
// Linux, since the peer had closed), reads see end-of-file, writes EPIPE.
// R9293-RST-ABORT.
func rstInCloseWait(p *peer) {
	fd := p.passiveOpen()
	p.want(p.send(spec.FIN|spec.ACK, 0), "> . 1:1(0) ack 2")
	p.want(p.send(spec.RST|spec.ACK, 0))
	p.wantState(spec.Closed)
	p.want(p.call(spec.Call{Kind: spec.CallGetsockopt, FD: fd, Opt: spec.OptError}), "getsockopt(4) = 32")
	p.want(p.call(read100(fd)), "read(4) = 0")
	p.want(p.call(write10(fd)), "write(4) = -1 EPIPE")
	p.want(p.call(read100(fd)), "read(4) = 0")
}

// closeSynSent: close() in SYN-SENT deletes the TCB without a RST; the
// late SYN-ACK draws a RST. R9293-CLOSE-SYNSENT.
func closeSynSent(p *peer) {
	p.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	p.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: local}, 0)
	p.want(p.call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1}), "setsockopt(3) = 0")
	p.want(p.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: remote}), "> S 0:0(0)", "connect(3) = -1 EINPROGRESS")
	p.wait(100 * time.Millisecond)
	p.want(p.call(closeFD(3)), "close(3) = 0")
	p.wantState(spec.Closed)
	synack := p.seg(spec.SYN|spec.ACK, 0)
	synack.Opts.MSS = 1460
	p.sndNxt = synack.End()
	p.want(p.inject(synack), "> R 1:1(0)")
}

// timeWaitACKNoRestart: a bare ACK in TIME-WAIT draws nothing and does not
// restart the 2MSL timer (only a FIN does). R9293-SEG-ACK-TW, AMB-TW-FIN.
func timeWaitACKNoRestart(p *peer) {
	toTimeWait(p)
	twStart := p.at
	p.wait(30 * time.Second)
	p.want(p.send(spec.ACK, 0))
	p.advance(twStart.Add(60*time.Second + 500*time.Millisecond))
	p.wantState(spec.Closed)
}

// timeWaitSynOldSeq: a SYN in TIME-WAIT with SEG.SEQ below RCV.NXT but a
// newer timestamp. R6191-TS, R6191-DROP.
func timeWaitSynOldSeq(p *peer) {
	toTimeWait(p)
	p.wait(time.Second)
	p.tsVal += 1000
	p.want(p.resend(spec.SYN, 0, 0))
	p.wantState(spec.TimeWait)
}

// timeWaitSynNoListener: a newer SYN in TIME-WAIT when no listener is
// left. AMB-REOPEN-NOLISTEN.
func timeWaitSynNoListener(p *peer) {
	toTimeWait(p)
	p.want(p.call(closeFD(3)), "close(3) = 0")
	p.wait(time.Second)
	p.sndNxt = p.sndNxt.Add(100000)
	p.want(p.send(spec.SYN, 0))
	p.wantState(spec.TimeWait)
}

// rstInWindowChallenge: a RST in the window but not at RCV.NXT draws a
// challenge ACK; one at RCV.NXT resets. R5961-RST-CHALLENGE, R5961-RST-EXACT.
func rstInWindowChallenge(p *peer) {
	fd := p.passiveOpen()
	p.want(p.resend(spec.RST, 101, 0), "> . 1:1(0) ack 1")
	p.wantState(spec.Established)
	p.want(p.send(spec.RST, 0))
	p.wantState(spec.Closed)
	p.want(p.call(read100(fd)), "read(4) = -1 ECONNRESET")
	p.want(p.call(read100(fd)), "read(4) = 0")
}

// synInEstablished: a SYN in ESTABLISHED draws an ACK and the connection
// stays; a second one within 500 ms is rate-limited. R5961-SYN, R5961-THROTTLE.
func synInEstablished(p *peer) {
	p.passiveOpen()
	p.wait(time.Second)
	p.want(p.resend(spec.SYN, 0, 0), "> . 1:1(0) ack 1")
	p.wantState(spec.Established)
	p.wait(100 * time.Millisecond)
	p.want(p.resend(spec.SYN, 0, 0))
	p.wait(time.Second)
	p.want(p.resend(spec.SYN, 0, 0), "> . 1:1(0) ack 1")
}

// ackAboveSndNxt: an ACK of data never sent is dropped silently in
// ESTABLISHED and answered with an ACK in FIN-WAIT-1. AMB-ACK-ABOVE.
func ackAboveSndNxt(p *peer) {
	fd := p.passiveOpen()
	s := p.seg(spec.ACK, 0)
	s.Ack = s.Ack.Add(1000)
	p.want(p.inject(s))
	p.wantState(spec.Established)
	p.wait(time.Second)
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(4) = 0")
	s = p.seg(spec.ACK, 0)
	s.Ack = s.Ack.Add(1000)
	p.want(p.inject(s), "> . 2:2(0) ack 1")
	p.wantState(spec.FinWait1)
}

// simultaneousClose: both FINs cross; CLOSING, then TIME-WAIT for 60 s.
// R9293-SEG-ACK-CLOSING, AMB-CLOSING-TIMER.
func simultaneousClose(p *peer) {
	fd := p.passiveOpen()
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(4) = 0")
	fin := p.seg(spec.FIN|spec.ACK, 0)
	fin.Ack = p.theirs.Add(1) // crosses our FIN: does not acknowledge it
	p.sndNxt = fin.End()
	p.want(p.inject(fin), "> . 2:2(0) ack 2")
	p.wantState(spec.Closing)
	p.wait(100 * time.Millisecond)
	p.want(p.send(spec.ACK, 0))
	p.wantState(spec.TimeWait)
	start := p.at
	p.advance(start.Add(59 * time.Second))
	p.wantState(spec.TimeWait)
	p.advance(start.Add(61 * time.Second))
	p.wantState(spec.Closed)
}

// finWithoutACK: a FIN without the ACK flag is dropped (RFC 9293 step 5:
// no ACK, drop). R9293-SEG-NOACK.
func finWithoutACK(p *peer) {
	fd := p.passiveOpen()
	p.want(p.resend(spec.FIN, 1, 0))
	p.wantSockState(fd, spec.Established)
}

// closeAfterShutdown: close() after shutdown(SHUT_WR) sends no second FIN.
// R9293-CLOSE-FINWAIT.
func closeAfterShutdown(p *peer) {
	fd := p.passiveOpen()
	p.want(p.call(shutWR(fd)), "> F. 1:1(0) ack 1", "shutdown(4) = 0")
	p.want(p.call(closeFD(fd)), "close(4) = 0")
	p.wantState(spec.FinWait1)
	p.want(p.send(spec.ACK, 0))
	p.wantState(spec.FinWait2)
}

// timestampMissing: a data segment without the Timestamps option on a
// connection that negotiated it. R7323-TS-MISSING.
func timestampMissing(p *peer) {
	fd := p.passiveOpen()
	p.ts = false
	p.send(spec.PSH|spec.ACK, 10)
	p.ts = true
	p.want(p.call(spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptNonBlock, Val: 1}), "setsockopt(4) = 0")
	p.want(p.call(read100(fd)), "read(4) = 10")
}

// bindOverTimeWait: bind(2) to the port of a TIME-WAIT connection, with and
// without SO_REUSEADDR. R1122-TIMEWAIT, AMB-SOCKET-TW.
func bindOverTimeWait(p *peer) {
	toTimeWait(p)
	p.want(p.call(closeFD(3)), "close(3) = 0")
	p.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	p.want(p.call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: local}), "bind(3) = -1 EADDRINUSE")
	p.mustCall(spec.Call{Kind: spec.CallSocket}, 4)
	p.want(p.call(spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptReuseAddr, Val: 1}), "setsockopt(4) = 0")
	p.want(p.call(spec.Call{Kind: spec.CallBind, FD: 4, Addr: local}), "bind(4) = 0")
}

// bindOverTimeWaitOneReuse: the socket that left TIME-WAIT behind did not
// set SO_REUSEADDR; the new one does. R1122-TIMEWAIT, AMB-SOCKET-TW.
func bindOverTimeWaitOneReuse(p *peer) {
	fd := p.activeOpen()
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(3) = 0")
	p.want(p.send(spec.FIN|spec.ACK, 0), "> . 2:2(0) ack 2")
	p.wantState(spec.TimeWait)
	p.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	p.want(p.call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1}), "setsockopt(3) = 0")
	p.want(p.call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: local}), "bind(3) = -1 EADDRINUSE")
}

// connectOverTimeWait: connect(2) to the 4-tuple of a TIME-WAIT connection
// left by an active open, both sockets with SO_REUSEADDR. R1122-TIMEWAIT.
func connectOverTimeWait(p *peer) {
	fd := p.activeOpenReuse(true)
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(3) = 0")
	p.want(p.send(spec.FIN|spec.ACK, 0), "> . 2:2(0) ack 2")
	p.wantState(spec.TimeWait)
	p.wait(2 * time.Second)
	p.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	p.want(p.call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1}), "setsockopt(3) = 0")
	p.want(p.call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: local}), "bind(3) = 0")
	p.want(p.call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1}), "setsockopt(3) = 0")
	p.want(p.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: remote}), "connect(3) = -1 EADDRNOTAVAIL")
	p.wantState(spec.TimeWait)
}

// userTimeout: with TCP_USER_TIMEOUT 3 s and the peer silent, the
// connection is given up without a RST; the application sees ETIMEDOUT.
// R9293-TO-USER.
func userTimeout(p *peer) {
	fd := p.passiveOpen()
	p.want(p.call(spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptUserTimeout, Val: 3000}), "setsockopt(4) = 0")
	p.want(p.call(write10(fd)), "> P. 1:11(10) ack 1", "write(4) = 10")
	p.wait(5 * time.Second)
	p.wantState(spec.Closed)
	p.want(p.call(read100(fd)), "read(4) = -1 ETIMEDOUT")
}

// lastAckRetransmit: in LAST-ACK the FIN is retransmitted with backoff
// until the peer ACKs it. R6298-BACKOFF.
func lastAckRetransmit(p *peer) {
	fd := p.passiveOpen()
	p.want(p.send(spec.FIN|spec.ACK, 0), "> . 1:1(0) ack 2")
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 2", "close(4) = 0")
	p.want(p.wait(4*time.Second), "> F. 1:1(0) ack 2", "> F. 1:1(0) ack 2")
	p.want(p.send(spec.ACK, 0))
	p.wantState(spec.Closed)
}

// finWait1RetransmitActive: on the connecting side, whose SYN was answered
// at once, the FIN is retransmitted after the RTO.
func finWait1RetransmitActive(p *peer) {
	fd := p.activeOpen()
	p.wait(time.Second)
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(3) = 0")
	p.want(p.wait(1500*time.Millisecond), "> F. 1:1(0) ack 1")
}

// timeWaitData: data in TIME-WAIT, first overlapping the peer's FIN (the
// RFC says ignore the text), then twice out of the window within 100 ms
// (unacceptable: ACK). Neither restarts the 2MSL timer.
// R9293-SEG-TEXT-LATE, R9293-SEG-UNACCEPT, R5961-THROTTLE.
func timeWaitData(p *peer) {
	toTimeWait(p)
	twStart := p.at
	p.wait(time.Second)
	p.want(p.resend(spec.PSH|spec.ACK, 1, 10), "> . 12:12(0) ack 2")
	p.wait(100 * time.Millisecond)
	p.want(p.resend(spec.PSH|spec.ACK, 200000, 10), "> . 12:12(0) ack 2")
	p.wait(100 * time.Millisecond)
	p.want(p.resend(spec.PSH|spec.ACK, 200000, 10), "> . 12:12(0) ack 2")
	p.advance(twStart.Add(60*time.Second + 500*time.Millisecond))
	p.wantState(spec.Closed)
}

// finRetransmitAfterRTT: the handshake's final ACK comes 100 ms after the
// SYN-ACK, an RTT sample; the FIN is retransmitted after the RTO it gives,
// SRTT + 4 RTTVAR = 300 ms, then backed off. R6298-RTO, R6298-BACKOFF.
func finRetransmitAfterRTT(p *peer) {
	p.rtt = 100 * time.Millisecond
	fd := p.passiveOpen()
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(4) = 0")
	p.want(p.wait(time.Second), "> F. 1:1(0) ack 1", "> F. 1:1(0) ack 1")
}
