// Package conform is model-based conformance testing of real TCP stacks:
// it generates random close scenarios from the model, runs each on a stack
// and on the model in lockstep, and reports every divergence shrunk to a
// minimal scenario script that "tcpclose run" replays.
//
// # Scenarios
//
// A scenario opens one connection (passively, through a listener, or
// actively, with connect) and then takes random steps chosen from the
// model's current state: socket calls (read, write, shutdown, close,
// SO_LINGER, getsockopt), segments from the peer built from the model's
// connection variables (SEG.SEQ at RCV.NXT, just inside and just outside
// the receive window's edges, old and far; SEG.ACK at SND.NXT, SND.UNA,
// below and above them; RSTs, SYNs, FINs, data, duplicates of earlier
// segments, stale and missing timestamps) and clock advances, often to
// just past the model's next timer deadline. Steps are symbolic ("SEG.SEQ
// = RCV.NXT+RCV.WND") and made concrete against the model's state when
// they are played, so a shrunk scenario still means the same thing.
// Every scenario ends with a harmless socket() call that marks its end.
//
// # Lockstep
//
// Both sides get the same events at the same times. The outputs of each
// side between one event and the next (a window) are compared: segments
// in order (flags but PSH, sequence number relative to each side's ISS,
// acknowledgment number, length, MSS, presence of timestamps, time) and
// call results in order (descriptor, call, return value, errno, time).
// Windows and options values are not compared: they depend on buffer
// sizes the model does not share. Times must agree within a tolerance:
// Config.Tolerance, or 1 ms on a virtual clock and the stack entry's
// tolerance plus 5% of the time since the event on the wall clock. Event
// times keep a margin from the model's timer deadlines, so timing matters
// only at that resolution; on the wall clock scenarios stay short (a few
// seconds) and never wait for long timers (TIME-WAIT, FIN-WAIT-2).
//
// # Divergences
//
// The first window that differs ends the scenario. Its kind is the first
// differing field, the model's state when the window's event came and
// the event's class (e.g. "flags | FIN-WAIT-2 | seg R. seq=rcv.nxt+1");
// divergences are deduplicated by kind. The first scenario of each kind
// is shrunk (steps removed while the same kind still appears) and written
// as a script (Config.Out) whose expected lines are the model's outputs:
// it passes on the model and diverges on the stack.
//
// Runs are deterministic given the seed on virtual clocks (the model,
// gVisor's netstack); on the kernel, timing varies a little from run to
// run. Run prints the seed. The `tcpclose conform` command (package cli)
// parses its flags and sets its exit status; the stacks come from a
// stack.Registry, the model is stack.Virtual of model.New, and each
// shrunk script is replayed with stack/oracle.Run.
package conform
