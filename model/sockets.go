package model

import (
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// maxFD bounds the descriptor table (EMFILE beyond it).
const maxFD = 1024

type sockState uint8

const (
	sockOpen      sockState = iota // created, perhaps bound, never connected
	sockListening                  // listen(2) called
	sockConnected                  // connect(2) or accept(2): holds a connection
	sockClosed                     // its connection ended or detached; errors and EOF remain
)

// Socket is the sockets-layer object behind a file descriptor.
type Socket struct {
	FD     int32
	State  sockState
	Local  spec.SockAddr
	Remote spec.SockAddr
	Bound  bool
	// ExplicitBind: the port came from bind(2) or listen(2), not from
	// connect(2)'s automatic choice; connect's choice never shares it.
	ExplicitBind bool

	ReuseAddr   bool
	NonBlock    bool
	LingerOn    bool
	LingerSecs  int64
	UserTimeout time.Duration
	Linger2     time.Duration
	R2          int
	R2Set       bool

	Backlog int
	Queue   []spec.FourTuple // established connections awaiting accept(2)

	Tuple       spec.FourTuple // the connection (sockConnected, sockClosed)
	ConnID      uint64
	Established bool // the connection reached ESTABLISHED

	Err    spec.Errno // pending error, as SO_ERROR reports it
	EOF    bool       // the peer's FIN arrived
	Unread uint32     // data kept after the connection detached
	ShutRD bool
	ShutWR bool

	Blocked spec.Call // a call waiting to complete; Kind CallNone if none
	Closing bool      // close(2) waits (SO_LINGER); the fd stays reserved
}

func (s *Socket) removeQueued(t spec.FourTuple) {
	for i, q := range s.Queue {
		if q == t {
			s.Queue = append(s.Queue[:i:i], s.Queue[i+1:]...)
			return
		}
	}
}

// sockOf returns the socket attached to c, if any.
func (h *Host) sockOf(c *Conn) *Socket {
	if c.FD < 0 {
		return nil
	}
	return h.socks[c.FD]
}

// connOf returns the connection attached to socket s, if any.
func (h *Host) connOf(s *Socket) *Conn {
	if s.State != sockConnected {
		return nil
	}
	c := h.conns[s.Tuple]
	if c == nil || c.ID != s.ConnID || c.FD != s.FD {
		return nil
	}
	return c
}

// notify tells the application holding c about n.
func (h *Host) notify(c *Conn, n spec.Notice) {
	if s := h.sockOf(c); s != nil {
		h.emit(spec.NoticeOut(s.FD, n, c.Tuple))
		if n == spec.NoticeEstablished {
			s.Established = true
		}
	}
}

// detach separates c from its socket, telling the application how the
// connection ended (R9293-MUST12): reset, refused, timed out, or normally.
func (h *Host) detach(c *Conn, why ending) {
	s := h.sockOf(c)
	c.FD = -1
	if s == nil {
		return
	}
	s.State = sockClosed
	h.rule("R1122-CLOSE-WAYS") // the socket learns which of the two ways it ended
	switch why {
	case endReset:
		h.rule("R9293-MUST12")
		h.rule("R1122-INFORM")
		h.emit(spec.NoticeOut(s.FD, spec.NoticeReset, c.Tuple))
		s.Err = spec.ECONNRESET
		if c.State == spec.CloseWait {
			s.Err = h.p.ResetErrnoCloseWait // the peer had already closed: reads see EOF
		}
		if h.p.RSTFlushesReceive {
			h.rule("AMB-RST-FLUSH")
			s.Unread = 0
		} else {
			s.Unread = c.Unread
		}
	case endRefused:
		h.emit(spec.NoticeOut(s.FD, spec.NoticeRefused, c.Tuple))
		s.Err = spec.ECONNREFUSED
		if c.State == spec.SynReceived {
			s.Err = h.p.ResetErrnoSynRcvdActive // a simultaneous open (R9293-RST-SYNRCVD)
		}
	case endTimeout:
		h.rule("R9293-MUST47")
		h.emit(spec.NoticeOut(s.FD, spec.NoticeTimeout, c.Tuple))
		s.Err = spec.ETIMEDOUT
		s.Unread = c.Unread
	case endLocal:
		s.Unread = 0
	default:
		h.rule("AMB-SOCKET-TW")
		s.Unread = c.Unread
	}
	c.Unread = 0
}

// call performs a socket call.
func (h *Host) call(c spec.Call) {
	if c.Kind == spec.CallSocket {
		h.callSocket()
		return
	}
	s := h.socks[c.FD]
	if s == nil || s.Closing {
		h.result(c.FD, c.Kind, -1, spec.EBADF)
		return
	}
	switch c.Kind {
	case spec.CallBind:
		h.callBind(s, c)
	case spec.CallListen:
		h.callListen(s, c)
	case spec.CallAccept:
		h.callAccept(s, c, false)
	case spec.CallConnect:
		h.callConnect(s, c)
	case spec.CallRead:
		h.callRead(s, c, false)
	case spec.CallWrite:
		h.callWrite(s, c, false)
	case spec.CallShutdown:
		h.callShutdown(s, c)
	case spec.CallClose:
		h.callClose(s, c)
	case spec.CallSetsockopt:
		h.callSetsockopt(s, c)
	case spec.CallGetsockopt:
		h.callGetsockopt(s, c)
	default:
		h.result(c.FD, c.Kind, -1, spec.EINVAL)
	}
}

func (h *Host) callSocket() {
	fd := int32(3)
	for h.socks[fd] != nil {
		fd++
	}
	if fd >= maxFD {
		h.result(-1, spec.CallSocket, -1, spec.EMFILE)
		return
	}
	h.socks[fd] = &Socket{FD: fd, R2: h.p.R2}
	h.result(fd, spec.CallSocket, int64(fd), spec.OK)
}

// block parks call c on s until it can complete, or fails with EAGAIN on a
// non-blocking socket.
func (h *Host) block(s *Socket, c spec.Call) {
	if s.NonBlock || s.Blocked.Kind != spec.CallNone {
		h.result(s.FD, c.Kind, -1, spec.EAGAIN)
		return
	}
	s.Blocked = c
}

// bindable reports whether socket s may take local port port: no other
// socket holds it unless both set SO_REUSEADDR and the other does not
// listen; no connection left behind by a closed socket holds it unless
// SO_REUSEADDR allows (AMB-SOCKET-TW, R1122-TIMEWAIT).
func (h *Host) bindable(s *Socket, port uint16) bool {
	for _, o := range h.socks {
		if o == s || !o.Bound || o.Local.Port != port {
			continue
		}
		if !(s.ReuseAddr && o.ReuseAddr && o.State != sockListening) {
			return false
		}
	}
	for _, c := range h.conns {
		if c.Tuple.Local.Port != port || c.FD >= 0 || c.Parent >= 0 {
			continue
		}
		if c.State == spec.TimeWait {
			h.rule("R1122-TIMEWAIT")
			if !s.ReuseAddr || (h.p.BindTimeWaitNeedsBothReuse && !c.ReuseAddr) {
				return false
			}
			continue
		}
		if !(s.ReuseAddr && c.ReuseAddr) {
			return false
		}
	}
	return true
}

func (h *Host) callBind(s *Socket, c spec.Call) {
	if s.Bound || s.State != sockOpen {
		h.result(s.FD, c.Kind, -1, spec.EINVAL)
		return
	}
	if !c.Addr.IP.IsZero() && c.Addr.IP != h.cfg.Addr {
		h.result(s.FD, c.Kind, -1, spec.EADDRNOTAVAIL)
		return
	}
	port := c.Addr.Port
	if port == 0 {
		var ok bool
		if port, ok = h.ephemeralForBind(s); !ok {
			h.result(s.FD, c.Kind, -1, spec.EADDRINUSE)
			return
		}
	} else if !h.bindable(s, port) {
		h.result(s.FD, c.Kind, -1, spec.EADDRINUSE)
		return
	}
	s.Local, s.Bound, s.ExplicitBind = spec.SockAddr{IP: h.cfg.Addr, Port: port}, true, true
	h.result(s.FD, c.Kind, 0, spec.OK)
}

func (h *Host) ephemeralForBind(s *Socket) (uint16, bool) {
	for p := int(h.p.EphemeralLow); p <= int(h.p.EphemeralHigh); p++ {
		if h.bindable(s, uint16(p)) && !h.portInUse(uint16(p)) {
			return uint16(p), true
		}
	}
	return 0, false
}

// portInUse reports whether any socket or connection uses port locally.
func (h *Host) portInUse(port uint16) bool {
	for _, o := range h.socks {
		if o.Bound && o.Local.Port == port {
			return true
		}
	}
	for _, c := range h.conns {
		if c.Tuple.Local.Port == port {
			return true
		}
	}
	return false
}

// listener returns the socket listening on a's port, if any.
func (h *Host) listener(a spec.SockAddr) *Socket {
	for _, fd := range h.sortedFDs() {
		s := h.socks[fd]
		if s.State == sockListening && s.Local.Port == a.Port && !s.Closing {
			return s
		}
	}
	return nil
}

// pendingChildren counts the passive connections a listener holds.
func (h *Host) pendingChildren(l *Socket) int {
	n := 0
	for _, c := range h.conns {
		if c.Parent == l.FD && c.FD < 0 {
			n++
		}
	}
	return n
}

func (h *Host) callListen(s *Socket, c spec.Call) {
	switch s.State {
	case sockListening:
		s.Backlog = int(max(c.N, 0))
		h.result(s.FD, c.Kind, 0, spec.OK)
		return
	case sockOpen:
	default:
		h.result(s.FD, c.Kind, -1, spec.EINVAL)
		return
	}
	if !s.Bound {
		port, ok := h.ephemeralForBind(s)
		if !ok {
			h.result(s.FD, c.Kind, -1, spec.EADDRINUSE)
			return
		}
		s.Local, s.Bound = spec.SockAddr{IP: h.cfg.Addr, Port: port}, true
	}
	s.ExplicitBind = true
	if l := h.listener(s.Local); l != nil && l != s {
		h.result(s.FD, c.Kind, -1, spec.EADDRINUSE)
		return
	}
	s.State = sockListening
	s.Backlog = int(min(max(c.N, 0), 1<<16))
	h.result(s.FD, c.Kind, 0, spec.OK)
}

func (h *Host) callAccept(s *Socket, c spec.Call, retry bool) bool {
	if s.State != sockListening {
		h.result(s.FD, c.Kind, -1, spec.EINVAL)
		return true
	}
	if len(s.Queue) == 0 {
		if !retry {
			h.block(s, c)
		}
		return false
	}
	t := s.Queue[0]
	s.Queue = s.Queue[1:]
	conn := h.conns[t]
	fd := int32(3)
	for h.socks[fd] != nil {
		fd++
	}
	if fd >= maxFD {
		h.result(s.FD, c.Kind, -1, spec.EMFILE)
		return true
	}
	ns := &Socket{FD: fd, State: sockConnected, Local: t.Local, Remote: t.Remote, Bound: true, ExplicitBind: true,
		ReuseAddr: s.ReuseAddr, NonBlock: false, LingerOn: s.LingerOn, LingerSecs: s.LingerSecs,
		UserTimeout: s.UserTimeout, Linger2: s.Linger2, R2: s.R2, R2Set: s.R2Set,
		Tuple: t, ConnID: conn.ID, Established: true, EOF: conn.State.PeerFinReceived()}
	h.socks[fd] = ns
	conn.FD, conn.Parent, conn.Queued = fd, -1, false
	h.result(s.FD, c.Kind, int64(fd), spec.OK)
	return true
}

func (h *Host) callConnect(s *Socket, c spec.Call) {
	switch s.State {
	case sockListening:
		h.result(s.FD, c.Kind, -1, spec.EISCONN)
		return
	case sockConnected:
		if conn := h.connOf(s); conn != nil && (conn.State == spec.SynSent || (conn.State == spec.SynReceived && !conn.Passive)) {
			h.result(s.FD, c.Kind, -1, spec.EALREADY)
		} else {
			h.result(s.FD, c.Kind, -1, spec.EISCONN)
		}
		return
	case sockClosed:
		if s.Established {
			h.result(s.FD, c.Kind, -1, spec.EISCONN)
			return
		}
	}
	if c.Addr.Port == 0 || c.Addr.IP.IsZero() {
		h.result(s.FD, c.Kind, -1, spec.EINVAL)
		return
	}
	if !spec.SameFamily(c.Addr.IP, h.cfg.Addr) {
		// The host speaks one family (spec.HostConfig.Addr): the
		// peer's address is of the other (Linux tcp_v4_connect,
		// tcp_v6_connect: EAFNOSUPPORT).
		h.result(s.FD, c.Kind, -1, spec.EAFNOSUPPORT)
		return
	}
	var t spec.FourTuple
	iss := spec.Seq(0)
	haveISS := false
	if s.Bound {
		t = spec.FourTuple{Local: s.Local, Remote: c.Addr}
		if old := h.conns[t]; old != nil {
			if old.State != spec.TimeWait {
				h.result(s.FD, c.Kind, -1, spec.EADDRNOTAVAIL)
				return
			}
			h.rule("R1122-TIMEWAIT")
			if h.p.ConnectOverTimeWait != spec.TWConnectReuseWithTS || !old.TSOK {
				h.result(s.FD, c.Kind, -1, spec.EADDRNOTAVAIL)
				return
			}
			h.rule("R9293-MAY2-ISS")
			iss, haveISS = old.SndNxt.Add(h.p.ReopenISSGap), h.p.ReopenISSGap != 0
			h.deleteConn(old, endNormal)
		}
	} else {
		var ok bool
		if t, iss, haveISS, ok = h.ephemeralForConnect(s, c.Addr); !ok {
			h.result(s.FD, c.Kind, -1, spec.EADDRNOTAVAIL)
			return
		}
		s.Local, s.Bound = t.Local, true
	}
	if !haveISS {
		iss = h.issFor(t)
	}
	conn := h.newConn(t)
	conn.FD, conn.ReuseAddr, conn.ExplicitBind = s.FD, s.ReuseAddr, s.ExplicitBind
	conn.UserTimeout, conn.FW2Timeout = s.UserTimeout, s.Linger2
	if s.R2Set {
		conn.R2 = s.R2
	}
	s.State, s.Tuple, s.ConnID, s.Remote = sockConnected, t, conn.ID, c.Addr
	s.Err, s.EOF, s.Unread = spec.OK, false, 0
	h.open(conn, iss)
	if s.NonBlock {
		h.result(s.FD, c.Kind, -1, spec.EINPROGRESS)
		return
	}
	s.Blocked = c
}

// ephemeralForConnect picks the lowest local port for a connection to
// remote, as Linux's __inet_hash_connect does: ports taken by an explicit
// bind(2) (or held by connections of such sockets) are skipped; otherwise a
// port is shared by connections to different remotes, and only the 4-tuple
// must be free. A TIME-WAIT entry on that 4-tuple is taken over only when
// the profile's TimeWaitReuseAfter allows (Linux tcp_tw_reuse).
func (h *Host) ephemeralForConnect(s *Socket, remote spec.SockAddr) (spec.FourTuple, spec.Seq, bool, bool) {
	for p := int(h.p.EphemeralLow); p <= int(h.p.EphemeralHigh); p++ {
		port := uint16(p)
		if h.boundExplicitly(s, port) {
			continue
		}
		t := spec.FourTuple{Local: spec.SockAddr{IP: h.cfg.Addr, Port: port}, Remote: remote}
		old := h.conns[t]
		if old == nil {
			return t, 0, false, true
		}
		if old.State == spec.TimeWait && h.p.TimeWaitReuseAfter > 0 && old.TSOK &&
			old.Timer[spec.TimerTimeWait] != spec.Never &&
			h.now.Sub(old.Timer[spec.TimerTimeWait].Add(-h.p.TimeWait)) >= h.p.TimeWaitReuseAfter {
			h.rule("R1122-TIMEWAIT")
			iss := old.SndNxt.Add(h.p.ReopenISSGap)
			h.deleteConn(old, endNormal)
			return t, iss, h.p.ReopenISSGap != 0, true
		}
	}
	return spec.FourTuple{}, 0, false, false
}

// boundExplicitly reports whether another socket, or a connection of an
// explicitly bound socket, holds port through bind(2).
func (h *Host) boundExplicitly(s *Socket, port uint16) bool {
	for _, o := range h.socks {
		if o != s && o.Bound && o.ExplicitBind && o.Local.Port == port {
			return true
		}
	}
	for _, c := range h.conns {
		if c.ExplicitBind && c.Tuple.Local.Port == port {
			return true
		}
	}
	return false
}

// callRead is read(2): RECEIVE. It reports whether the call completed.
func (h *Host) callRead(s *Socket, c spec.Call, retry bool) bool {
	if s.State == sockOpen || s.State == sockListening {
		h.result(s.FD, c.Kind, -1, spec.ENOTCONN)
		return true
	}
	want := uint32(min(max(c.N, 0), 1<<31))
	conn := h.connOf(s)
	avail := s.Unread
	if conn != nil {
		avail = conn.Unread
	}
	if avail > 0 && want > 0 {
		var n uint32
		if conn != nil {
			n, _ = h.receiveCall(conn, want)
		} else {
			n = min(want, s.Unread)
			s.Unread -= n
		}
		h.result(s.FD, c.Kind, int64(n), spec.OK)
		return true
	}
	if want == 0 {
		h.result(s.FD, c.Kind, 0, spec.OK)
		return true
	}
	// The peer's FIN, once seen, makes reads end-of-file even if a RST
	// came after it (Linux checks SOCK_DONE before sk_err); otherwise a
	// pending error is reported once, then end-of-file.
	if !s.EOF && s.Err != spec.OK && s.Err != spec.EPIPE {
		err := s.Err
		s.Err = spec.OK
		h.result(s.FD, c.Kind, -1, err)
		return true
	}
	if s.EOF || s.ShutRD || s.State == sockClosed {
		if conn != nil {
			h.receiveCall(conn, want) // "connection closing" in the RFC's terms
		}
		h.result(s.FD, c.Kind, 0, spec.OK)
		return true
	}
	if !retry {
		h.block(s, c)
	}
	return false
}

// callWrite is write(2): SEND. It reports whether the call completed.
func (h *Host) callWrite(s *Socket, c spec.Call, retry bool) bool {
	if s.Err != spec.OK {
		err := s.Err
		s.Err = spec.OK
		s.ShutWR = true
		h.result(s.FD, c.Kind, -1, err)
		return true
	}
	conn := h.connOf(s)
	if s.ShutWR || s.State != sockConnected || conn == nil {
		h.result(s.FD, c.Kind, -1, spec.EPIPE)
		return true
	}
	if c.N <= 0 {
		h.result(s.FD, c.Kind, 0, spec.OK)
		return true
	}
	if conn.State == spec.SynSent || conn.State == spec.SynReceived {
		if !retry {
			h.block(s, c)
		}
		return false
	}
	n, r := h.sendCall(conn, uint32(min(c.N, 1<<31)))
	switch r {
	case ReplyOK:
		h.result(s.FD, c.Kind, int64(n), spec.OK)
		return true
	case ErrInsufficient:
		if !retry {
			h.block(s, c)
		}
		return false
	}
	h.result(s.FD, c.Kind, -1, spec.EPIPE)
	return true
}

func (h *Host) callShutdown(s *Socket, c spec.Call) {
	if c.How > spec.ShutRDWR {
		h.result(s.FD, c.Kind, -1, spec.EINVAL)
		return
	}
	rd := c.How == spec.ShutRD || c.How == spec.ShutRDWR
	wr := c.How == spec.ShutWR || c.How == spec.ShutRDWR
	switch s.State {
	case sockOpen, sockClosed:
		h.result(s.FD, c.Kind, -1, spec.ENOTCONN)
		return
	case sockListening:
		if rd {
			h.stopListening(s)
			s.State = sockOpen
		}
		h.result(s.FD, c.Kind, 0, spec.OK)
		return
	}
	conn := h.connOf(s)
	if conn == nil {
		h.result(s.FD, c.Kind, -1, spec.ENOTCONN)
		return
	}
	if conn.State == spec.SynSent {
		h.abortCall(conn, false)
		h.result(s.FD, c.Kind, 0, spec.OK)
		return
	}
	if rd {
		s.ShutRD, conn.RcvShut = true, true
	}
	if h.p.ShutdownUnreadRST && s.ShutRD && (wr || s.ShutWR) && conn.Unread > 0 {
		// Both directions shut with data unread: reset as close() would
		// (ShutdownUnreadRST).
		h.rule("R2525-RST-UNREAD")
		s.ShutWR = true
		h.abortCall(conn, true)
		h.result(s.FD, c.Kind, 0, spec.OK)
		return
	}
	if wr && !s.ShutWR {
		s.ShutWR = true
		h.rule("R9293-CLOSE-SIMPLEX") // a half-close: reading goes on
		h.closeCall(conn)
	}
	h.result(s.FD, c.Kind, 0, spec.OK)
}

// stopListening aborts every connection a listener holds.
func (h *Host) stopListening(l *Socket) {
	for _, c := range h.sortedConns() {
		if c.Parent == l.FD && c.FD < 0 {
			if c.State == spec.SynReceived && h.p.ListenCloseDropsEmbryonic {
				h.rule("AMB-LISTEN-CLOSE") // a syncache entry: dropped silently
				h.deleteConn(c, endLocal)
				continue
			}
			h.abortCall(c, false)
		}
	}
	l.Queue = nil
}

// callClose is close(2).
func (h *Host) callClose(s *Socket, c spec.Call) {
	switch s.State {
	case sockListening:
		h.rule("R9293-CLOSE-LISTEN")
		h.stopListening(s)
		h.releaseSocket(s)
		h.result(s.FD, c.Kind, 0, spec.OK)
		return
	case sockOpen, sockClosed:
		h.releaseSocket(s)
		h.result(s.FD, c.Kind, 0, spec.OK)
		return
	}
	conn := h.connOf(s)
	switch {
	case conn == nil:
	case h.p.RSTOnUnreadClose && conn.Unread > 0 && conn.State != spec.SynSent:
		// Data would be lost: RST, in any synchronized state, whatever
		// SO_LINGER says. This comes before the {on, 0} case because an
		// ABORT in CLOSING or LAST-ACK sends no RST (R9293-ABORT-LATE),
		// while RFC 1122 §4.2.2.13 asks for one whenever a CLOSE leaves
		// received data unread (Linux tcp_close tests data_was_unread
		// first; gVisor alike: conform cause unread-close-after-fin).
		h.rule("R9293-MAY1")
		h.rule("R9293-SHLD3")
		h.rule("R2525-RST-UNREAD")
		h.rule("R1122-HALFDUPLEX")
		h.abortCall(conn, true)
	case s.LingerOn && s.LingerSecs == 0:
		// SO_LINGER {on, 0}: close is ABORT.
		h.rule("R9293-CALL-ABORT")
		h.abortCall(conn, false)
	default:
		conn.Orphan, conn.RcvShut, conn.Unread = true, true, 0
		conn.FD = -1
		if conn.State == spec.SynSent || !s.ShutWR {
			h.closeCall(conn)
		}
		if h.conns[conn.Tuple] == conn {
			h.armFinWait2(conn)
			if s.LingerOn && s.LingerSecs > 0 && conn.State != spec.TimeWait && !conn.finAcked() {
				conn.Timer[spec.TimerLinger] = h.now.Add(time.Duration(s.LingerSecs) * time.Second)
				conn.LingerFD = s.FD
				s.Closing, s.Blocked = true, c
				return
			}
		}
	}
	h.releaseSocket(s)
	h.result(s.FD, c.Kind, 0, spec.OK)
}

func (h *Host) releaseSocket(s *Socket) {
	if c := h.connOf(s); c != nil {
		c.FD = -1
	}
	delete(h.socks, s.FD)
}

// negativeOpt: SO_LINGER's seconds, TCP_USER_TIMEOUT and TCP_LINGER2 refuse
// a negative value with EINVAL.
func negativeOpt(opt spec.SockOpt, val, val2 int64) bool {
	switch opt {
	case spec.OptLinger:
		return val2 < 0
	case spec.OptUserTimeout, spec.OptLinger2:
		return val < 0
	}
	return false
}

func (h *Host) callSetsockopt(s *Socket, c spec.Call) {
	conn := h.connOf(s)
	if negativeOpt(c.Opt, c.Val, c.Val2) {
		h.result(s.FD, c.Kind, -1, spec.EINVAL)
		return
	}
	switch c.Opt {
	case spec.OptReuseAddr:
		s.ReuseAddr = c.Val != 0
		if conn != nil {
			conn.ReuseAddr = s.ReuseAddr
		}
	case spec.OptLinger:
		s.LingerOn, s.LingerSecs = c.Val != 0, c.Val2
	case spec.OptNonBlock:
		s.NonBlock = c.Val != 0
	case spec.OptUserTimeout:
		s.UserTimeout = time.Duration(c.Val) * time.Millisecond
		if conn != nil {
			conn.UserTimeout = s.UserTimeout
			if s.UserTimeout == 0 {
				conn.Timer[spec.TimerUser] = spec.Never
			} else {
				conn.armUserTimeout(h)
			}
		}
	case spec.OptLinger2:
		s.Linger2 = time.Duration(c.Val) * time.Second
		if conn != nil {
			conn.FW2Timeout = s.Linger2
		}
	case spec.OptR2:
		h.rule("R9293-MUST21")
		r2 := int(c.Val)
		if c.Val < 0 || c.Val > 1<<20 {
			r2 = -1
		}
		s.R2, s.R2Set = r2, true
		if conn != nil {
			conn.R2 = r2
		}
	case spec.OptNoDelay:
	case spec.OptQuickAck:
		h.rule("AMB-QUICKACK-OPT")
		if conn != nil {
			conn.quickAckOpt(h, c.Val != 0)
		}
	default:
		h.result(s.FD, c.Kind, -1, spec.ENOPROTOOPT)
		return
	}
	h.result(s.FD, c.Kind, 0, spec.OK)
}

func (h *Host) callGetsockopt(s *Socket, c spec.Call) {
	var v int64
	switch c.Opt {
	case spec.OptError:
		v = int64(s.Err)
		s.Err = spec.OK
	case spec.OptState:
		v = int64(h.socketState(s))
	case spec.OptReuseAddr:
		v = b2i(s.ReuseAddr)
	case spec.OptNonBlock:
		v = b2i(s.NonBlock)
	case spec.OptLinger:
		v = b2i(s.LingerOn)
	case spec.OptUserTimeout:
		v = int64(s.UserTimeout / time.Millisecond)
	case spec.OptLinger2:
		v = int64(s.Linger2 / time.Second)
	case spec.OptR2:
		v = int64(s.R2)
	case spec.OptQuickAck:
		c := h.connOf(s)
		v = b2i(c == nil || !c.Pingpong)
	default:
		h.result(s.FD, c.Kind, -1, spec.ENOPROTOOPT)
		return
	}
	h.result(s.FD, c.Kind, v, spec.OK)
}

// socketState is the TCP state as the socket shows it: a connection that
// entered TIME-WAIT or ended shows CLOSED (AMB-SOCKET-TW).
func (h *Host) socketState(s *Socket) spec.State {
	switch s.State {
	case sockListening:
		return spec.Listen
	case sockConnected:
		if c := h.connOf(s); c != nil {
			return c.State
		}
	}
	return spec.Closed
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// pollBlocked completes blocked calls that can now return, in ascending fd
// order.
func (h *Host) pollBlocked() {
	for _, fd := range h.sortedFDs() {
		s := h.socks[fd]
		if s == nil || s.Blocked.Kind == spec.CallNone {
			continue
		}
		c := s.Blocked
		done := false
		switch c.Kind {
		case spec.CallRead:
			done = h.callRead(s, c, true)
		case spec.CallWrite:
			done = h.callWrite(s, c, true)
		case spec.CallAccept:
			done = h.callAccept(s, c, true)
		case spec.CallConnect:
			done = h.pollConnect(s)
		case spec.CallClose:
			conn := h.conns[s.Tuple]
			if conn == nil || conn.ID != s.ConnID || conn.State == spec.TimeWait || conn.finAcked() {
				if conn != nil && conn.ID == s.ConnID {
					conn.Timer[spec.TimerLinger] = spec.Never
				}
				delete(h.socks, s.FD)
				h.result(s.FD, spec.CallClose, 0, spec.OK)
				continue
			}
		}
		if done {
			s.Blocked = spec.Call{}
		}
	}
}

func (h *Host) pollConnect(s *Socket) bool {
	if s.Err != spec.OK {
		err := s.Err
		s.Err = spec.OK
		h.result(s.FD, spec.CallConnect, -1, err)
		return true
	}
	if s.Established {
		h.result(s.FD, spec.CallConnect, 0, spec.OK)
		return true
	}
	if s.State == sockClosed {
		h.result(s.FD, spec.CallConnect, -1, spec.ECONNRESET)
		return true
	}
	return false
}
