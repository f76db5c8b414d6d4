//go:build linux

package linux_test

import (
	"fmt"
	"log"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/linux"
)

// A passive open on the real kernel: the scripted peer's SYN is injected
// through the TUN device and the kernel's SYN-ACK comes back as a
// spec.Segment. Needs root; it is compiled, not run.
func ExampleStack() {
	st, err := linux.New(linux.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSysctl("net.ipv4.tcp_rfc1337", "1"); err != nil {
		log.Fatal(err)
	}
	local := spec.SockAddr{IP: stack.LocalIP(), Port: stack.LocalPort}
	remote := spec.SockAddr{IP: stack.RemoteIP(), Port: stack.RemotePort}
	for _, c := range []spec.Call{
		{Kind: spec.CallSocket},
		{Kind: spec.CallBind, FD: 3, Addr: local},
		{Kind: spec.CallListen, FD: 3, N: 1},
	} {
		if _, err := st.Call(st.Now(), c); err != nil {
			log.Fatal(err)
		}
	}
	out, err := st.Inject(st.Now(), spec.Segment{Src: remote, Dst: local, Flags: spec.SYN, Wnd: 65535,
		Opts: spec.Options{MSS: 1460}})
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range out {
		fmt.Println(o.At, o.Out)
	}
	socks, err := st.Sockets()
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range socks {
		fmt.Println(s) // LISTEN and SYN-RECV, as ss -tan shows them
	}
}
