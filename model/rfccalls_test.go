package model

import (
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

// The RFC 9293 user calls below the sockets layer, in states that
// close(2), write(2) and read(2) never bring them to.

// R9293-SEND-CLOSED, R9293-SEND-UNSYNC, R9293-SEND-CLOSING: SEND without
// a connection, before ESTABLISHED (queued), and after our CLOSE.
func TestR9293_SendCallByState(t *testing.T) {
	b := newBench(t, "rfc9293")
	if _, r := b.h.sendCall(&Conn{State: spec.Closed}, 10); r != ErrConnNotExist {
		t.Errorf("SEND in CLOSED = %s", r)
	}
	b.connectNonBlock()
	c := b.conn()
	if n, r := b.h.sendCall(c, 10); r != ReplyOK || n != 10 || c.unsent() != 10 {
		t.Fatalf("SEND in SYN-SENT must queue: %d %s", n, r)
	}
	b.step(spec.Event{Kind: spec.EvSegment, Seg: spec.Segment{Src: b.peer, Dst: c.Tuple.Local, Flags: spec.SYN | spec.ACK, Seq: 5000, Ack: 1001, Wnd: 1000}})
	if c.State != spec.Established || c.unsent() != 0 {
		t.Fatalf("queued data must leave on ESTABLISHED: %s unsent %d %v", c.State, c.unsent(), b.out)
	}
	b.h.closeCall(c)
	if _, r := b.h.sendCall(c, 1); r != ErrConnClosing {
		t.Errorf("SEND in FIN-WAIT-1 = %s", r)
	}
}

// R9293-CLOSE-LATE, R9293-RECV-LATE, R9293-STATES: CLOSE and RECEIVE in
// CLOSING, LAST-ACK and TIME-WAIT answer "connection closing"; CLOSED is
// the fictional state without a TCB.
func TestR9293_LateCallsByState(t *testing.T) {
	for _, st := range []spec.State{spec.Closing, spec.LastAck, spec.TimeWait} {
		b := newBench(t, "rfc9293")
		c := &Conn{State: st}
		if r := b.h.closeCall(c); r != ErrConnClosing {
			t.Errorf("CLOSE in %s = %s", st, r)
		}
		if _, r := b.h.receiveCall(c, 10); r != ErrConnClosing {
			t.Errorf("RECEIVE in %s = %s", st, r)
		}
	}
	b := newBench(t, "rfc9293")
	if b.h.ConnState(b.tuple()) != spec.Closed || len(b.h.conns) != 0 {
		t.Error("no TCB must read as CLOSED")
	}
	if spec.NumStates != 11 {
		t.Errorf("%d states, RFC 9293 §3.3.2 has eleven", spec.NumStates)
	}
}
