//go:build !linux

package linux

import (
	"errors"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Tolerance is the timing tolerance a Linux run gets at least.
const Tolerance = 25 * time.Millisecond

// Entry is the Linux kernel; on this system it cannot be built.
func Entry() stack.Entry {
	return stack.Entry{
		Name: "linux", Profile: "linux", Tolerance: Tolerance, RealTime: true, ChoosesISS: true,
		Doc: "the running Linux kernel (needs Linux)",
		New: func(spec.Profile, stack.Options) (stack.Stack, error) {
			return nil, errors.New("needs a Linux kernel (and root)")
		},
	}
}

// QuickAckEntry is the Linux kernel without delayed ACKs; on this system
// it cannot be built.
func QuickAckEntry() stack.Entry {
	e := Entry()
	e.Name = "linux-quickack"
	e.Profile = "linux-quickack"
	return e
}
