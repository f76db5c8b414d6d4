package stack_test

import (
	"fmt"
	"log"
	"time"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Any spec.Host is a stack: here the model, driven on its virtual clock.
// A connect sends its SYN at once; nobody answers, so Advance stops just
// after the first retransmission, stamped with the time it happened (the
// initial RTO), long before the time it was allowed to run to.
func ExampleVirtual() {
	h, err := model.New(spec.MustProfile("rfc9293"), spec.HostConfig{})
	if err != nil {
		log.Fatal(err)
	}
	st := stack.Virtual(h, stack.Named("model/rfc9293"))
	show := func(out []stack.Observed, err error) {
		if err != nil {
			log.Fatal(err)
		}
		for _, o := range out {
			fmt.Println(o.At, o.Out)
		}
	}
	show(st.Call(0, spec.Call{Kind: spec.CallSocket}))
	show(st.Call(0, spec.Call{Kind: spec.CallConnect, FD: 3, Addr: stack.ConnectAddr()}))
	show(st.Advance(spec.Time(time.Minute)))
	fmt.Println("now", st.Now())
	// Output:
	// 0.000000 socket(3) = 3
	// 0.000000 > S 4056000302:4056000302(0) win 65535 <mss 1460,TS val 1 ecr 0> (192.168.0.1:49152->192.0.2.1:8080)
	// 1.000000 > S 4056000302:4056000302(0) win 65535 <mss 1460,TS val 1001 ecr 0> (192.168.0.1:49152->192.0.2.1:8080)
	// now 1.000000
}
