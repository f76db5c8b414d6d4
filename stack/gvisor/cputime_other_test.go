//go:build !unix

package gvisor

import "time"

// cpuTime is not measured here: BenchmarkCloseHandshake then reports
// elapsed time only.
func cpuTime() time.Duration { return 0 }
