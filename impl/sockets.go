package impl

import (
	"math/bits"
	"slices"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

type sockState uint8

const (
	sockOpen sockState = iota
	sockListening
	sockConnected
	sockClosed
)

// sock is the sockets-layer object behind a file descriptor.
type sock struct {
	fd          int32
	used        bool
	state       sockState
	bound       bool
	reuse       bool
	nonBlock    bool
	lingerOn    bool
	r2Set       bool
	established bool
	eof         bool
	shutRD      bool
	shutWR      bool
	closing     bool
	explicit    bool // the port came from bind(2) or listen(2)
	regBound    bool // registered in its port's counters
	regHard     bool
	regExplicit bool
	lport       uint16
	regPort     uint16
	err         spec.Errno
	unread      uint32
	lingerSecs  int64
	userTimeout time.Duration
	linger2     time.Duration
	r2          int
	backlog     int
	queue       []uint64 // accept queue (tuple keys) from qhead on
	qhead       int
	tuple       uint64
	connID      uint64
	connSlot    uint32 // slab slot of the connection connID (checked by ID)
	blocked     spec.Call
}

func (k *sock) qpush(key uint64) {
	if k.qhead > 0 && len(k.queue) == cap(k.queue) {
		n := copy(k.queue, k.queue[k.qhead:])
		k.queue, k.qhead = k.queue[:n], 0
	}
	k.queue = append(k.queue, key)
}

func (k *sock) qlen() int { return len(k.queue) - k.qhead }

func (k *sock) qpop() uint64 {
	v := k.queue[k.qhead]
	k.qhead++
	if k.qhead == len(k.queue) {
		k.queue, k.qhead = k.queue[:0], 0
	}
	return v
}

func (k *sock) qremove(key uint64) {
	for i := k.qhead; i < len(k.queue); i++ {
		if k.queue[i] == key {
			copy(k.queue[i:], k.queue[i+1:])
			k.queue = k.queue[:len(k.queue)-1]
			if k.qhead == len(k.queue) {
				k.queue, k.qhead = k.queue[:0], 0
			}
			return
		}
	}
}

func (k *sock) qclear() { k.queue, k.qhead = k.queue[:0], 0 }

func (s *Stack) sockAt(fd int32) *sock {
	if fd < 0 || fd >= maxFD {
		return nil
	}
	if k := s.socks[fd]; k != nil && k.used {
		return k
	}
	return nil
}

// sockOf returns the socket attached to c, if any.
func (s *Stack) sockOf(c *conn) *sock {
	if c.fd < 0 {
		return nil
	}
	return s.sockAt(int32(c.fd))
}

// connOf returns the connection attached to socket k, if any.
func (s *Stack) connOf(k *sock) *conn {
	if k.state != sockConnected || k.connSlot >= s.conns.hi {
		return nil
	}
	// The model looks the tuple up and checks the ID; IDs are never reused,
	// so the connection with this ID, if still a full TCB, is the one.
	c := s.conns.at(k.connSlot)
	if c.state == spec.Closed || c.id != k.connID || int32(c.fd) != k.fd {
		return nil
	}
	return c
}

// newSock puts a fresh socket at fd, reusing the storage of an earlier one.
func (s *Stack) newSock(fd int32) *sock {
	k := s.socks[fd]
	if k == nil {
		k = new(sock)
		s.socks[fd] = k
	}
	q := k.queue[:0]
	*k = sock{fd: fd, used: true, r2: s.p.R2, queue: q}
	return k
}

// freeSock deletes socket k.
func (s *Stack) freeSock(k *sock) {
	s.clearBlocked(k)
	k.used = false
	s.listenBits[k.fd>>6] &^= 1 << (k.fd & 63)
	s.sockRecat(k)
	k.qclear()
}

// freeFD returns the lowest free descriptor, or maxFD.
func (s *Stack) freeFD() int32 {
	for fd := int32(3); fd < maxFD; fd++ {
		if k := s.socks[fd]; k == nil || !k.used {
			return fd
		}
	}
	return maxFD
}

func (s *Stack) setSockState(k *sock, st sockState) {
	k.state = st
	if st == sockListening {
		s.listenBits[k.fd>>6] |= 1 << (k.fd & 63)
	} else {
		s.listenBits[k.fd>>6] &^= 1 << (k.fd & 63)
	}
	s.sockRecat(k)
}

// sockRecat brings the port counters up to date for socket k.
func (s *Stack) sockRecat(k *sock) {
	want := k.used && k.bound
	hard := !(k.reuse && k.state != sockListening)
	if want == k.regBound && (!want || (k.regPort == k.lport && k.regHard == hard && k.regExplicit == k.explicit)) {
		return
	}
	if k.regBound {
		pi := s.port(k.regPort)
		pi.sockBound--
		if k.regHard {
			pi.sockHard--
		}
		if k.regExplicit {
			pi.sockExplicit--
		}
		s.markPort(k.regPort, pi)
	}
	k.regBound, k.regPort, k.regHard, k.regExplicit = want, k.lport, hard, k.explicit
	if want {
		pi := s.port(k.lport)
		pi.sockBound++
		if hard {
			pi.sockHard++
		}
		if k.explicit {
			pi.sockExplicit++
		}
		s.markPort(k.lport, pi)
	}
}

func (s *Stack) setBlocked(k *sock, c spec.Call) {
	if k.blocked.Kind == spec.CallNone {
		s.nBlocked++
		s.blocked[k.fd>>6] |= 1 << (k.fd & 63)
	}
	k.blocked = c
	if c.Kind == spec.CallNone {
		s.clearBlocked(k)
	}
}

func (s *Stack) clearBlocked(k *sock) {
	if s.blocked[k.fd>>6]&(1<<(k.fd&63)) != 0 {
		s.nBlocked--
		s.blocked[k.fd>>6] &^= 1 << (k.fd & 63)
	}
	k.blocked = spec.Call{}
}

// call performs a socket call.
func (s *Stack) call(c *spec.Call) {
	if c.Kind == spec.CallSocket {
		s.callSocket()
		return
	}
	k := s.sockAt(c.FD)
	if k == nil || k.closing {
		s.result(c.FD, c.Kind, -1, spec.EBADF)
		return
	}
	switch c.Kind {
	case spec.CallBind:
		s.callBind(k, c)
	case spec.CallListen:
		s.callListen(k, c)
	case spec.CallAccept:
		s.callAccept(k, c, false)
	case spec.CallConnect:
		s.callConnect(k, c)
	case spec.CallRead:
		s.callRead(k, c, false)
	case spec.CallWrite:
		s.callWrite(k, c, false)
	case spec.CallShutdown:
		s.callShutdown(k, c)
	case spec.CallClose:
		s.callClose(k, c)
	case spec.CallSetsockopt:
		s.callSetsockopt(k, c)
	case spec.CallGetsockopt:
		s.callGetsockopt(k, c)
	default:
		s.result(c.FD, c.Kind, -1, spec.EINVAL)
	}
}

func (s *Stack) callSocket() {
	fd := s.freeFD()
	if fd >= maxFD {
		s.result(-1, spec.CallSocket, -1, spec.EMFILE)
		return
	}
	s.newSock(fd)
	s.result(fd, spec.CallSocket, int64(fd), spec.OK)
}

// block parks call c on k, or fails with EAGAIN.
func (s *Stack) block(k *sock, c *spec.Call) {
	if k.nonBlock || k.blocked.Kind != spec.CallNone {
		s.result(k.fd, c.Kind, -1, spec.EAGAIN)
		return
	}
	s.setBlocked(k, *c)
}

// bindable reports whether the unbound socket k may take local port
// (AMB-SOCKET-TW, R1122-TIMEWAIT), from the port's counters.
func (s *Stack) bindable(k *sock, port uint16) bool {
	pi := s.peekPort(port)
	if pi == nil {
		return true
	}
	if pi.sockBound > 0 && !(k.reuse && pi.sockHard == 0) {
		return false
	}
	if pi.orphOth > 0 && !(k.reuse && pi.orphOthNR == 0) {
		return false
	}
	if pi.orphTW > 0 && (!k.reuse || (s.p.BindTimeWaitNeedsBothReuse && pi.orphTWNR > 0)) {
		return false
	}
	return true
}

func (s *Stack) callBind(k *sock, c *spec.Call) {
	if k.bound || k.state != sockOpen {
		s.result(k.fd, c.Kind, -1, spec.EINVAL)
		return
	}
	if !c.Addr.IP.IsZero() && c.Addr.IP != s.cfg.Addr {
		s.result(k.fd, c.Kind, -1, spec.EADDRNOTAVAIL)
		return
	}
	port := c.Addr.Port
	if port == 0 {
		var ok bool
		if port, ok = s.ephemeralForBind(); !ok {
			s.result(k.fd, c.Kind, -1, spec.EADDRINUSE)
			return
		}
	} else if !s.bindable(k, port) {
		s.result(k.fd, c.Kind, -1, spec.EADDRINUSE)
		return
	}
	k.bound, k.lport, k.explicit = true, port, true
	s.sockRecat(k)
	s.result(k.fd, c.Kind, 0, spec.OK)
}

// ephemeralForBind picks the lowest port in the ephemeral range that no
// socket or connection uses (such a port is always bindable).
func (s *Stack) ephemeralForBind() (uint16, bool) {
	lo, hi := int(s.p.EphemeralLow), int(s.p.EphemeralHigh)
	for p := lo; p <= hi; {
		w := ^s.portUsed[p>>6] & (^uint64(0) << (uint(p) & 63))
		if w == 0 {
			p = (p | 63) + 1
			continue
		}
		q := p&^63 + bits.TrailingZeros64(w)
		if q > hi {
			break
		}
		return uint16(q), true
	}
	return 0, false
}

// listener returns the socket listening on port, if any (lowest fd).
func (s *Stack) listener(port uint16) *sock {
	for fd := nextBit(s.listenBits[:], 0); fd >= 0; fd = nextBit(s.listenBits[:], fd+1) {
		k := s.socks[fd]
		if k.lport == port && !k.closing {
			return k
		}
	}
	return nil
}

func (s *Stack) callListen(k *sock, c *spec.Call) {
	switch k.state {
	case sockListening:
		k.backlog = int(max(c.N, 0))
		s.result(k.fd, c.Kind, 0, spec.OK)
		return
	case sockOpen:
	default:
		s.result(k.fd, c.Kind, -1, spec.EINVAL)
		return
	}
	if !k.bound {
		port, ok := s.ephemeralForBind()
		if !ok {
			s.result(k.fd, c.Kind, -1, spec.EADDRINUSE)
			return
		}
		k.bound, k.lport = true, port
	}
	k.explicit = true
	s.sockRecat(k)
	if l := s.listener(k.lport); l != nil && l != k {
		s.result(k.fd, c.Kind, -1, spec.EADDRINUSE)
		return
	}
	s.setSockState(k, sockListening)
	k.backlog = int(min(max(c.N, 0), 1<<16))
	s.result(k.fd, c.Kind, 0, spec.OK)
}

func (s *Stack) callAccept(k *sock, c *spec.Call, retry bool) bool {
	if k.state != sockListening {
		s.result(k.fd, c.Kind, -1, spec.EINVAL)
		return true
	}
	if k.qlen() == 0 {
		if !retry {
			s.block(k, c)
		}
		return false
	}
	key := k.qpop()
	cn := s.lookupConn(key)
	fd := s.freeFD()
	if fd >= maxFD {
		s.result(k.fd, c.Kind, -1, spec.EMFILE)
		return true
	}
	ns := s.newSock(fd)
	ns.state, ns.bound, ns.lport, ns.explicit = sockConnected, true, keyLPort(key), true
	ns.reuse, ns.lingerOn, ns.lingerSecs = k.reuse, k.lingerOn, k.lingerSecs
	ns.userTimeout, ns.linger2, ns.r2, ns.r2Set = k.userTimeout, k.linger2, k.r2, k.r2Set
	ns.tuple, ns.established = key, true
	s.sockRecat(ns)
	if cn != nil {
		ns.connID, ns.connSlot, ns.eof = cn.id, cn.idx, cn.state.PeerFinReceived()
		cn.fd, cn.parent = int16(fd), -1
		cn.flags &^= fQueued
		s.recat(cn)
	}
	s.result(k.fd, c.Kind, int64(fd), spec.OK)
	return true
}

func (s *Stack) callConnect(k *sock, c *spec.Call) {
	switch k.state {
	case sockListening:
		s.result(k.fd, c.Kind, -1, spec.EISCONN)
		return
	case sockConnected:
		if cn := s.connOf(k); cn != nil && (cn.state == spec.SynSent || (cn.state == spec.SynReceived && !cn.has(fPassive))) {
			s.result(k.fd, c.Kind, -1, spec.EALREADY)
		} else {
			s.result(k.fd, c.Kind, -1, spec.EISCONN)
		}
		return
	case sockClosed:
		if k.established {
			s.result(k.fd, c.Kind, -1, spec.EISCONN)
			return
		}
	}
	if c.Addr.Port == 0 || c.Addr.IP.IsZero() {
		s.result(k.fd, c.Kind, -1, spec.EINVAL)
		return
	}
	if !spec.SameFamily(c.Addr.IP, s.cfg.Addr) {
		s.result(k.fd, c.Kind, -1, spec.EAFNOSUPPORT) // as the model
		return
	}
	var key uint64
	iss := spec.Seq(0)
	haveISS := false
	if k.bound {
		key = s.key(c.Addr, k.lport)
		if s.lookupConn(key) != nil {
			s.result(k.fd, c.Kind, -1, spec.EADDRNOTAVAIL)
			return
		}
		if i, ok := s.tw.lookup(key); ok { // R1122-TIMEWAIT
			e := s.tw.at(i)
			if s.p.ConnectOverTimeWait != spec.TWConnectReuseWithTS || !e.tsok() {
				s.result(k.fd, c.Kind, -1, spec.EADDRNOTAVAIL)
				return
			}
			iss, haveISS = e.sndNxt.Add(s.p.ReopenISSGap), s.p.ReopenISSGap != 0
			s.deleteTW(i)
		}
	} else {
		var ok bool
		if key, iss, haveISS, ok = s.ephemeralForConnect(c.Addr); !ok {
			s.result(k.fd, c.Kind, -1, spec.EADDRNOTAVAIL)
			return
		}
		k.bound, k.lport = true, keyLPort(key)
		s.sockRecat(k)
	}
	if !haveISS {
		iss = s.issFor(key)
	}
	cn := s.newConn(key)
	cn.fd = int16(k.fd)
	cn.set(fReuse, k.reuse)
	cn.set(fExplicit, k.explicit)
	s.recat(cn)
	cn.userTimeout, cn.fw2Timeout = k.userTimeout, k.linger2
	if k.r2Set {
		cn.r2 = k.r2
	}
	s.setSockState(k, sockConnected)
	k.tuple, k.connID, k.connSlot = key, cn.id, cn.idx
	k.err, k.eof, k.unread = spec.OK, false, 0
	s.open(cn, iss)
	if k.nonBlock {
		s.result(k.fd, c.Kind, -1, spec.EINPROGRESS)
		return
	}
	s.setBlocked(k, *c)
}

// ephemeralForConnect picks the lowest local port for a connection to
// rem as Linux's __inet_hash_connect does: ports held by an explicit bind
// (a socket's, or a connection's of such a socket) are skipped; otherwise
// ports are shared and only the 4-tuple must be free. A TIME-WAIT entry on
// the 4-tuple is taken over where TimeWaitReuseAfter allows (Linux
// tcp_tw_reuse). The per-port counters make each port an O(1) check, and
// the first port nobody uses ends the search.
func (s *Stack) ephemeralForConnect(rem spec.SockAddr) (uint64, spec.Seq, bool, bool) {
	lo, hi := int(s.p.EphemeralLow), int(s.p.EphemeralHigh)
	for p := lo; p <= hi; p++ {
		port := uint16(p)
		key := s.key(rem, port)
		if s.portUsed[p>>6]&(1<<(uint(p)&63)) == 0 {
			return key, 0, false, true
		}
		if pi := s.peekPort(port); pi.sockExplicit > 0 || pi.connExplicit > 0 {
			continue
		}
		if s.lookupConn(key) != nil {
			continue
		}
		i, ok := s.tw.lookup(key)
		if !ok {
			return key, 0, false, true
		}
		e := s.tw.at(i)
		if s.p.TimeWaitReuseAfter > 0 && e.tsok() && e.deadline != spec.Never &&
			s.now.Sub(e.deadline.Add(-s.p.TimeWait)) >= s.p.TimeWaitReuseAfter {
			iss := e.sndNxt.Add(s.p.ReopenISSGap)
			s.deleteTW(i)
			return key, iss, s.p.ReopenISSGap != 0, true
		}
	}
	return 0, 0, false, false
}

// callRead is read(2): RECEIVE. It reports whether the call completed.
func (s *Stack) callRead(k *sock, c *spec.Call, retry bool) bool {
	if k.state == sockOpen || k.state == sockListening {
		s.result(k.fd, c.Kind, -1, spec.ENOTCONN)
		return true
	}
	want := uint32(min(max(c.N, 0), 1<<31))
	cn := s.connOf(k)
	avail := k.unread
	if cn != nil {
		avail = cn.unread
	}
	if avail > 0 && want > 0 {
		var n uint32
		if cn != nil {
			n, _ = s.receiveCall(cn, want)
		} else {
			n = min(want, k.unread)
			k.unread -= n
		}
		s.result(k.fd, c.Kind, int64(n), spec.OK)
		return true
	}
	if want == 0 {
		s.result(k.fd, c.Kind, 0, spec.OK)
		return true
	}
	// The peer's FIN, once seen, makes reads end-of-file even if a RST
	// came after it; otherwise a pending error is reported once.
	if !k.eof && k.err != spec.OK && k.err != spec.EPIPE {
		err := k.err
		k.err = spec.OK
		s.result(k.fd, c.Kind, -1, err)
		return true
	}
	if k.eof || k.shutRD || k.state == sockClosed {
		if cn != nil {
			s.receiveCall(cn, want)
		}
		s.result(k.fd, c.Kind, 0, spec.OK)
		return true
	}
	if !retry {
		s.block(k, c)
	}
	return false
}

// callWrite is write(2): SEND. It reports whether the call completed.
func (s *Stack) callWrite(k *sock, c *spec.Call, retry bool) bool {
	if k.err != spec.OK {
		err := k.err
		k.err = spec.OK
		k.shutWR = true
		s.result(k.fd, c.Kind, -1, err)
		return true
	}
	cn := s.connOf(k)
	if k.shutWR || k.state != sockConnected || cn == nil {
		s.result(k.fd, c.Kind, -1, spec.EPIPE)
		return true
	}
	if c.N <= 0 {
		s.result(k.fd, c.Kind, 0, spec.OK)
		return true
	}
	if cn.state == spec.SynSent || cn.state == spec.SynReceived {
		if !retry {
			s.block(k, c)
		}
		return false
	}
	n, r := s.sendCall(cn, uint32(min(c.N, 1<<31)))
	switch r {
	case replyOK:
		s.result(k.fd, c.Kind, int64(n), spec.OK)
		return true
	case errInsufficient:
		if !retry {
			s.block(k, c)
		}
		return false
	}
	s.result(k.fd, c.Kind, -1, spec.EPIPE)
	return true
}

func (s *Stack) callShutdown(k *sock, c *spec.Call) {
	if c.How > spec.ShutRDWR {
		s.result(k.fd, c.Kind, -1, spec.EINVAL)
		return
	}
	rd := c.How == spec.ShutRD || c.How == spec.ShutRDWR
	wr := c.How == spec.ShutWR || c.How == spec.ShutRDWR
	switch k.state {
	case sockOpen, sockClosed:
		s.result(k.fd, c.Kind, -1, spec.ENOTCONN)
		return
	case sockListening:
		if rd {
			s.stopListening(k)
			s.setSockState(k, sockOpen)
		}
		s.result(k.fd, c.Kind, 0, spec.OK)
		return
	}
	cn := s.connOf(k)
	if cn == nil {
		s.result(k.fd, c.Kind, -1, spec.ENOTCONN)
		return
	}
	if cn.state == spec.SynSent {
		s.abortCall(cn, false)
		s.result(k.fd, c.Kind, 0, spec.OK)
		return
	}
	if rd {
		k.shutRD = true
		cn.flags |= fRcvShut
	}
	if s.p.ShutdownUnreadRST && k.shutRD && (wr || k.shutWR) && cn.unread > 0 {
		k.shutWR = true // R2525-RST-UNREAD: reset as close() would
		s.abortCall(cn, true)
		s.result(k.fd, c.Kind, 0, spec.OK)
		return
	}
	if wr && !k.shutWR {
		k.shutWR = true
		s.closeCall(cn)
	}
	s.result(k.fd, c.Kind, 0, spec.OK)
}

// twChild is a connection a listener holds, for stopListening.
type twChild struct {
	id  uint64
	i   uint32
	tw  bool
	key uint64
}

// stopListening aborts every connection a listener holds, in connection-ID
// order.
func (s *Stack) stopListening(l *sock) {
	if s.children[l.fd] > 0 {
		ch := s.scratchC[:0]
		for i := uint32(0); i < s.conns.hi; i++ {
			c := s.conns.at(i)
			if c.state != spec.Closed && int32(c.parent) == l.fd && c.fd < 0 {
				ch = append(ch, twChild{id: c.id, i: i})
			}
		}
		if s.twParented > 0 {
			for i := uint32(0); i < s.tw.hi; i++ {
				e := s.tw.at(i)
				if e.meta&twLive != 0 && e.parent() == l.fd {
					ch = append(ch, twChild{id: e.id(), i: i, tw: true, key: e.key})
				}
			}
		}
		slices.SortFunc(ch, func(a, b twChild) int {
			if a.id < b.id {
				return -1
			}
			return 1
		})
		for _, x := range ch {
			if x.tw {
				s.deleteTW(x.i) // R9293-ABORT-LATE
				continue
			}
			if c := s.conns.at(x.i); connLive(c, x.id) {
				if c.state == spec.SynReceived && s.p.ListenCloseDropsEmbryonic {
					s.deleteConn(c, endLocal) // AMB-LISTEN-CLOSE
					continue
				}
				s.abortCall(c, false)
			}
		}
		s.scratchC = ch[:0]
	}
	l.qclear()
}

// callClose is close(2).
func (s *Stack) callClose(k *sock, c *spec.Call) {
	switch k.state {
	case sockListening: // R9293-CLOSE-LISTEN
		s.stopListening(k)
		s.releaseSocket(k)
		s.result(k.fd, c.Kind, 0, spec.OK)
		return
	case sockOpen, sockClosed:
		s.releaseSocket(k)
		s.result(k.fd, c.Kind, 0, spec.OK)
		return
	}
	cn := s.connOf(k)
	switch {
	case cn == nil:
	case s.p.RSTOnUnreadClose && cn.unread > 0 && cn.state != spec.SynSent && !s.mutant(MutantNoRSTOnUnreadClose): // R9293-SHLD3, R2525-RST-UNREAD (before SO_LINGER {on, 0}: RST in CLOSING and LAST-ACK too)
		s.abortCall(cn, true)
	case k.lingerOn && k.lingerSecs == 0: // R9293-CALL-ABORT
		s.abortCall(cn, false)
	default:
		cn.flags |= fOrphan | fRcvShut
		cn.unread = 0
		cn.fd = -1
		s.recat(cn)
		id := cn.id
		if cn.state == spec.SynSent || !k.shutWR {
			s.closeCall(cn)
		}
		if connLive(cn, id) {
			s.armFinWait2(cn)
			if k.lingerOn && k.lingerSecs > 0 && !cn.finAcked() {
				s.setTimer(cn, spec.TimerLinger, s.now.Add(secs(k.lingerSecs)))
				cn.lingerFD = int16(k.fd)
				k.closing = true
				s.setBlocked(k, *c)
				return
			}
		}
	}
	s.releaseSocket(k)
	s.result(k.fd, c.Kind, 0, spec.OK)
}

func (s *Stack) releaseSocket(k *sock) {
	if cn := s.connOf(k); cn != nil {
		cn.fd = -1
		s.recat(cn)
	}
	s.freeSock(k)
}

// negativeOpt mirrors the model: SO_LINGER's seconds, TCP_USER_TIMEOUT and
// TCP_LINGER2 refuse a negative value with EINVAL.
func negativeOpt(opt spec.SockOpt, val, val2 int64) bool {
	switch opt {
	case spec.OptLinger:
		return val2 < 0
	case spec.OptUserTimeout, spec.OptLinger2:
		return val < 0
	}
	return false
}

func (s *Stack) callSetsockopt(k *sock, c *spec.Call) {
	if negativeOpt(c.Opt, c.Val, c.Val2) {
		s.result(k.fd, c.Kind, -1, spec.EINVAL)
		return
	}
	cn := s.connOf(k)
	switch c.Opt {
	case spec.OptReuseAddr:
		k.reuse = c.Val != 0
		s.sockRecat(k)
		if cn != nil {
			cn.set(fReuse, k.reuse)
			s.recat(cn)
		}
	case spec.OptLinger:
		k.lingerOn, k.lingerSecs = c.Val != 0, c.Val2
	case spec.OptNonBlock:
		k.nonBlock = c.Val != 0
	case spec.OptUserTimeout:
		k.userTimeout = time.Duration(c.Val) * time.Millisecond
		if cn != nil {
			cn.userTimeout = k.userTimeout
			if k.userTimeout == 0 {
				s.setTimer(cn, spec.TimerUser, spec.Never)
			} else {
				s.armUserTimeout(cn)
			}
		}
	case spec.OptLinger2:
		k.linger2 = secs(c.Val)
		if cn != nil {
			cn.fw2Timeout = k.linger2
		}
	case spec.OptR2: // R9293-MUST21
		r2 := int(c.Val)
		if c.Val < 0 || c.Val > 1<<20 {
			r2 = -1
		}
		k.r2, k.r2Set = r2, true
		if cn != nil {
			cn.r2 = r2
		}
	case spec.OptNoDelay:
	case spec.OptQuickAck: // AMB-QUICKACK-OPT
		if cn != nil {
			s.quickAckOpt(cn, c.Val != 0)
		}
	default:
		s.result(k.fd, c.Kind, -1, spec.ENOPROTOOPT)
		return
	}
	s.result(k.fd, c.Kind, 0, spec.OK)
}

func (s *Stack) callGetsockopt(k *sock, c *spec.Call) {
	var v int64
	switch c.Opt {
	case spec.OptError:
		v = int64(k.err)
		k.err = spec.OK
	case spec.OptState:
		v = int64(s.socketState(k))
	case spec.OptReuseAddr:
		v = b2i(k.reuse)
	case spec.OptNonBlock:
		v = b2i(k.nonBlock)
	case spec.OptLinger:
		v = b2i(k.lingerOn)
	case spec.OptUserTimeout:
		v = int64(k.userTimeout / time.Millisecond)
	case spec.OptLinger2:
		v = int64(k.linger2 / time.Second)
	case spec.OptR2:
		v = int64(k.r2)
	case spec.OptQuickAck:
		cn := s.connOf(k)
		v = b2i(cn == nil || !cn.thas(tPingpong))
	default:
		s.result(k.fd, c.Kind, -1, spec.ENOPROTOOPT)
		return
	}
	s.result(k.fd, c.Kind, v, spec.OK)
}

// socketState is the TCP state as the socket shows it (AMB-SOCKET-TW).
func (s *Stack) socketState(k *sock) spec.State {
	switch k.state {
	case sockListening:
		return spec.Listen
	case sockConnected:
		if cn := s.connOf(k); cn != nil {
			return cn.state
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
func (s *Stack) pollBlocked() {
	if s.nBlocked == 0 {
		return
	}
	for fd := nextBit(s.blocked[:], 0); fd >= 0; fd = nextBit(s.blocked[:], fd+1) {
		k := s.socks[fd]
		c := k.blocked
		done := false
		switch c.Kind {
		case spec.CallRead:
			done = s.callRead(k, &c, true)
		case spec.CallWrite:
			done = s.callWrite(k, &c, true)
		case spec.CallAccept:
			done = s.callAccept(k, &c, true)
		case spec.CallConnect:
			done = s.pollConnect(k)
		case spec.CallClose:
			cn := s.lookupConn(k.tuple)
			if cn == nil || cn.id != k.connID || cn.finAcked() {
				if cn != nil && cn.id == k.connID {
					s.setTimer(cn, spec.TimerLinger, spec.Never)
				}
				s.freeSock(k)
				s.result(int32(fd), spec.CallClose, 0, spec.OK)
				continue
			}
		}
		if done {
			s.clearBlocked(k)
		}
	}
}

func (s *Stack) pollConnect(k *sock) bool {
	if k.err != spec.OK {
		err := k.err
		k.err = spec.OK
		s.result(k.fd, spec.CallConnect, -1, err)
		return true
	}
	if k.established {
		s.result(k.fd, spec.CallConnect, 0, spec.OK)
		return true
	}
	if k.state == sockClosed {
		s.result(k.fd, spec.CallConnect, -1, spec.ECONNRESET)
		return true
	}
	return false
}
