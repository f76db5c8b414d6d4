package spec

import (
	"fmt"
	"time"
)

// Time is an instant of virtual time: nanoseconds since the start of a run.
// The model never reads a wall clock; every event carries its Time.
type Time int64

// Never is the deadline of a timer that is not armed. It is the zero Time,
// so that zero-valued timer arrays mean "nothing armed"; the price is that
// a timer cannot be due at exactly time 0. Only a zero-length timer armed
// at time 0 (a profile with TimeWait=0s, a connection closed at the very
// first instant) runs into this; start such runs after time 0 (the
// explorer starts its hosts at an epoch for this reason).
const Never Time = 0

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns t-u as a duration.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// String prints t in seconds with microsecond precision, e.g. "1.250000".
func (t Time) String() string {
	sign := ""
	v := int64(t)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%06d", sign, v/1e9, (v%1e9)/1e3)
}
