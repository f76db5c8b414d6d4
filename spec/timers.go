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

// SynGiveUpTime is how long after the first SYN Linux gives an active open
// up at the latest when its first SynLinearTimeouts retransmissions do not
// back off (AMB-SYN-LINEAR-R2): net/ipv4/tcp_timer.c retransmits_timed_out
// with tcp_model_timeout(SynR2, rto_base = the initial RTO), the time
// SynR2 exponentially backed-off retransmissions would take, doubling up to
// RTOMax and linear after it. For 6 and 1 s: (2<<6 - 1) s = 127 s. It is 0
// (no bound) where SynR2 is infinite or the initial RTO is not positive.
func (p *Profile) SynGiveUpTime() time.Duration {
	if p.SynR2 < 0 || p.RTOInitial <= 0 {
		return 0
	}
	thresh := 0 // ilog2(RTOMax / rto_base)
	for q := p.RTOMax / p.RTOInitial; q > 1; q >>= 1 {
		thresh++
	}
	b := p.SynR2
	if b <= thresh {
		return time.Duration((2<<b)-1) * p.RTOInitial
	}
	return time.Duration((2<<thresh)-1)*p.RTOInitial + time.Duration(b-thresh)*p.RTOMax
}
