package gvisorstack

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
}

var (
	read100  = func(fd int32) spec.Call { return spec.Call{Kind: spec.CallRead, FD: fd, N: 100} }
	write10  = func(fd int32) spec.Call { return spec.Call{Kind: spec.CallWrite, FD: fd, N: 10} }
	closeFD  = func(fd int32) spec.Call { return spec.Call{Kind: spec.CallClose, FD: fd} }
	shutWR   = func(fd int32) spec.Call { return spec.Call{Kind: spec.CallShutdown, FD: fd, How: spec.ShutWR} }
	linger   = func(fd int32, on, secs int64) spec.Call {
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
