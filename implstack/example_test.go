package implstack_test

import (
	"fmt"

	"github.com/tcpclose/tcpclose/implstack"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// A scenario script played on the implementation, as `tcpclose run`
// plays it on the model.
func Example() {
	src := `
// An active close from a listening host ends in TIME-WAIT (R9293-MUST13).
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 65535 <mss 1460>
+0    > S. 0:0(0) ack 1 win 65535 <mss 1460>
+0    < . 1:1(0) ack 1 win 65535
+0    accept(3, ..., ...) = 4
+0    close(4) = 0
+0    > F. 1:1(0) ack 1 win 65535
+0.1  < F. 1:1(0) ack 2 win 65535
+0    > . 2:2(0) ack 2 win 65535
`
	s, err := script.Parse("example.pkt", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	st := implstack.New(spec.MustProfile("rfc793"), spec.HostConfig{})
	res, err := script.Run(s, st, script.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Name(), res.Passed())
	// Output: impl/rfc793 true
}
