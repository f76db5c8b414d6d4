//go:build !linux

package stacks

import (
	"errors"
	"time"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// LinuxTolerance is the timing tolerance a Linux run gets at least.
const LinuxTolerance = 25 * time.Millisecond

// LinuxEntry is the Linux kernel; on this system it cannot be built.
func LinuxEntry() Entry {
	return Entry{
		Name: "linux", Profile: "linux", Tolerance: LinuxTolerance, RealTime: true, ChoosesISS: true,
		Doc: "the running Linux kernel (needs Linux)",
		New: func(spec.Profile, Options) (script.Stack, error) {
			return nil, errors.New("needs a Linux kernel (and root)")
		},
	}
}

// LinuxQuickAckEntry is the Linux kernel without delayed ACKs; on this
// system it cannot be built.
func LinuxQuickAckEntry() Entry {
	e := LinuxEntry()
	e.Name = "linux-quickack"
	return e
}
