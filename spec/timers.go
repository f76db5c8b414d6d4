package spec

import "time"

// Ticks rounds d up to whole TimerGranularity ticks (d itself when the
// profile's clock is exact), as Linux's usecs_to_jiffies does.
func (p *Profile) Ticks(d time.Duration) time.Duration {
	g := p.TimerGranularity
	if g <= 0 || d <= 0 {
		return d
	}
	return (d + g - 1) / g * g
}

// timerWheelLevelTicks is the first expiry, in ticks, of the timer
// wheel's second level: LVL_START(1) = 63 with 64 buckets per level
// (kernel/time/timer.c, LVL_BITS = 6); each level above is 8 times
// coarser (LVL_CLK_SHIFT = 3) and starts 8 times later.
const timerWheelLevelTicks = 63

// TimerSlack is how late a timer armed for d may fire on a stack whose
// clock ticks every TimerGranularity: one tick on the wheel's first level
// (below 63 ticks), and the granularity of the level that holds d above
// it (8, 64, 512... ticks: at HZ=250 32 ms from 252 ms, 256 ms from
// 2.016 s, 2.048 s from 16.128 s), plus the tick in which the timer was
// armed. 0 for an exact clock. A timer never fires early.
func (p *Profile) TimerSlack(d time.Duration) time.Duration {
	g := p.TimerGranularity
	if g <= 0 {
		return 0
	}
	gran, start := g, time.Duration(timerWheelLevelTicks)*g
	for i := 0; i < 8 && d >= start; i++ {
		gran, start = gran*8, start*8
	}
	if gran == g {
		return g
	}
	return gran + g
}
