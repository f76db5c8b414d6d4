//go:build unix

package explore

import "syscall"

// mapBytes returns n zeroed bytes outside the Go heap (an anonymous
// mapping): the garbage collector neither scans them nor counts them when
// it decides how far the heap may grow, and pages never written cost no
// memory.
func mapBytes(n int) ([]byte, error) {
	return syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
}

func unmapBytes(b []byte) { _ = syscall.Munmap(b) }

// peakRSS is the process's peak resident set size in bytes (0 if unknown).
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return rssUnit * int64(ru.Maxrss)
}
