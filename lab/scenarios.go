package lab

import (
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// The scenarios are written once and played by both actors. Descriptors:
// the server's listener is 3 and its accepted connection 4; the client's
// socket is 3.

// open sets up a connection: the server listens on 127.0.0.1:8080 with
// SO_REUSEADDR, the client connects from an ephemeral port, the server
// accepts.
func open(a actor) {
	a.call(server, spec.Call{Kind: spec.CallSocket})
	a.call(server, spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1})
	a.call(server, spec.Call{Kind: spec.CallBind, FD: 3, Addr: srvAddr})
	a.call(server, spec.Call{Kind: spec.CallListen, FD: 3, N: 8})
	a.call(client, spec.Call{Kind: spec.CallSocket})
	a.call(client, spec.Call{Kind: spec.CallConnect, FD: 3, Addr: srvAddr})
	a.call(server, spec.Call{Kind: spec.CallAccept, FD: 3})
}

// exchange sends 100 octets from client to server.
func exchange(a actor) {
	a.call(client, spec.Call{Kind: spec.CallWrite, FD: 3, N: 100})
	a.call(server, spec.Call{Kind: spec.CallRead, FD: 4, N: 1000})
}

// scenarioNormal: the client closes first; the server reads end-of-file
// and closes at once, as most servers do.
func scenarioNormal(a actor) {
	open(a)
	exchange(a)
	a.call(client, spec.Call{Kind: spec.CallClose, FD: 3})
	a.call(server, spec.Call{Kind: spec.CallRead, FD: 4, N: 1000})
	a.call(server, spec.Call{Kind: spec.CallClose, FD: 4})
	a.sleep(100 * time.Millisecond)
}

// scenarioAbort: the client closes with SO_LINGER {on, 0}; the server's
// reads see the reset, then end-of-file.
func scenarioAbort(a actor) {
	open(a)
	exchange(a)
	a.call(client, spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptLinger, Val: 1, Val2: 0})
	a.call(client, spec.Call{Kind: spec.CallClose, FD: 3})
	a.sleep(10 * time.Millisecond)
	a.call(server, spec.Call{Kind: spec.CallRead, FD: 4, N: 1000})
	a.call(server, spec.Call{Kind: spec.CallRead, FD: 4, N: 1000})
	a.call(server, spec.Call{Kind: spec.CallClose, FD: 4})
	a.sleep(50 * time.Millisecond)
}

// scenarioHalfClose: the client sends a request and shuts down its
// sending side; the server reads it to end-of-file, answers with 3000
// octets and closes; the client reads the answer to the end. Its own
// writes fail once it has shut down.
func scenarioHalfClose(a actor) {
	open(a)
	exchange(a)
	a.call(client, spec.Call{Kind: spec.CallShutdown, FD: 3, How: spec.ShutWR})
	a.call(server, spec.Call{Kind: spec.CallRead, FD: 4, N: 1000})
	a.call(client, spec.Call{Kind: spec.CallWrite, FD: 3, N: 10})
	a.call(server, spec.Call{Kind: spec.CallWrite, FD: 4, N: 1000})
	a.call(server, spec.Call{Kind: spec.CallWrite, FD: 4, N: 2000})
	a.call(server, spec.Call{Kind: spec.CallClose, FD: 4})
	a.sleep(20 * time.Millisecond)
	for i := 0; i < 4; i++ {
		if n, _ := a.call(client, spec.Call{Kind: spec.CallRead, FD: 3, N: 1000}); n <= 0 {
			break
		}
	}
	a.call(client, spec.Call{Kind: spec.CallClose, FD: 3})
	a.sleep(50 * time.Millisecond)
}

// scenarioStates: a normal close with pauses, so that each state lasts
// long enough to be seen by polling.
func scenarioStates(a actor) {
	open(a)
	a.sleep(50 * time.Millisecond)
	a.call(client, spec.Call{Kind: spec.CallClose, FD: 3})
	a.sleep(100 * time.Millisecond)
	a.call(server, spec.Call{Kind: spec.CallRead, FD: 4, N: 1000})
	a.call(server, spec.Call{Kind: spec.CallClose, FD: 4})
	a.sleep(100 * time.Millisecond)
}
