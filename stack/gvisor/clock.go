package gvisor

import (
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/faketime"
)

// epoch is the manual clock's time zero; spec.Time 0 is this instant.
var epoch = time.Unix(0, 0)

// clock is a faketime.ManualClock that also knows when its next timer is
// due, so that Advance can stop at every instant at which the stack may
// act and stamp outputs with that instant.
type clock struct {
	*faketime.ManualClock

	mu     sync.Mutex
	active map[*clockTimer]time.Time // armed timers and when they fire
}

func newClock() *clock {
	return &clock{ManualClock: faketime.NewManualClock(), active: make(map[*clockTimer]time.Time)}
}

var _ tcpip.Clock = (*clock)(nil)

// clockTimer wraps a manual-clock timer to track its deadline.
type clockTimer struct {
	c     *clock
	inner tcpip.Timer
}

// AfterFunc implements tcpip.Clock.
func (c *clock) AfterFunc(d time.Duration, f func()) tcpip.Timer {
	t := &clockTimer{c: c}
	c.arm(t, d)
	t.inner = c.ManualClock.AfterFunc(d, func() {
		c.mu.Lock()
		delete(c.active, t)
		c.mu.Unlock()
		f()
	})
	return t
}

func (c *clock) arm(t *clockTimer, d time.Duration) {
	at := c.Now().Add(d)
	c.mu.Lock()
	c.active[t] = at
	c.mu.Unlock()
}

// Reset implements tcpip.Timer.
func (t *clockTimer) Reset(d time.Duration) {
	t.c.arm(t, d)
	t.inner.Reset(d)
}

// Stop implements tcpip.Timer.
func (t *clockTimer) Stop() bool {
	t.c.mu.Lock()
	delete(t.c.active, t)
	t.c.mu.Unlock()
	return t.inner.Stop()
}

// next returns the earliest armed timer's deadline.
func (c *clock) next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var best time.Time
	ok := false
	for _, at := range c.active {
		if !ok || at.Before(best) {
			best, ok = at, true
		}
	}
	return best, ok
}

// advanceTo runs every timer due at or before t and leaves the clock at t.
func (c *clock) advanceTo(t time.Time) {
	d := t.Sub(c.Now())
	if d < 0 {
		d = 0
	}
	c.Advance(d)
}
