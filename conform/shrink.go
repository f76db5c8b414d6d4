package conform

import "slices"

// shrink removes steps from sc while the divergence of kind key still
// appears, within the campaign's rerun budget. It returns the last run
// that showed the kind (div nil if none did) and its step count.
func (c *campaign) shrink(sc *scenario, key string) (result, int) {
	runs := 0
	try := func(steps []step) (result, bool) {
		runs++
		s2 := *sc
		s2.Steps = startAtZero(steps)
		res := c.runScenario(&s2, nil)
		return res, res.err == nil && res.div != nil && res.div.Key() == key && !res.blocked
	}
	cur := slices.Clone(sc.Steps)
	best, ok := try(cur)
	if !ok {
		return result{}, len(cur)
	}
	if c.cfg.ShrinkRuns < 0 {
		return best, len(cur)
	}
	// truncate drops the steps after the divergent window: the next
	// step becomes the end marker, so the window keeps its length.
	truncate := func(steps []step, res result) []step {
		j := res.div.Step
		if j+1 >= len(steps)-1 {
			return steps
		}
		end := steps[len(steps)-1]
		next := steps[j+1]
		end.Gap, end.ToDeadline = next.Gap, next.ToDeadline
		return append(slices.Clone(steps[:j+1]), end)
	}
	if t := startAtZero(truncate(cur, best)); len(t) < len(cur) {
		if res, ok := try(t); ok {
			cur, best = t, res
		}
	}
	for changed := true; changed && runs < c.cfg.ShrinkRuns; {
		changed = false
		for i := len(cur) - 2; i >= 0 && runs < c.cfg.ShrinkRuns; i-- {
			cand := startAtZero(slices.Delete(slices.Clone(cur), i, i+1))
			res, ok := try(cand)
			if !ok {
				continue
			}
			cur, best, changed = truncate(cand, res), res, true
			if i > len(cur)-1 {
				i = len(cur) - 1
			}
		}
	}
	if runs >= c.cfg.ShrinkRuns {
		// The budget ran out after a removal: make sure best is the
		// run of cur.
		if res, ok := try(cur); ok {
			best = res
		}
	}
	return best, len(cur)
}

// startAtZero makes steps begin at time 0, as a script must ("first
// event should be at time 0"): removing the set-up can leave a first step
// with a gap, or steps that only let time pass, in front. Leading
// advances are dropped (nothing is open, so no timer runs during them)
// and the first step's gap is cleared. The shrinker keeps a candidate
// only if the divergence still shows after this, so the written script
// is the run that showed it.
func startAtZero(steps []step) []step {
	i := 0
	for i < len(steps)-1 && steps[i].Kind == stepAdvance {
		i++
	}
	if i == 0 && (len(steps) == 0 || steps[0].Gap == 0 && !steps[0].ToDeadline) {
		return steps
	}
	out := slices.Clone(steps[i:])
	out[0].Gap, out[0].ToDeadline = 0, false
	return out
}
