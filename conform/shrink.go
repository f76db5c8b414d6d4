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
		s2.Steps = steps
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
	if t := truncate(cur, best); len(t) < len(cur) {
		if res, ok := try(t); ok {
			cur, best = t, res
		}
	}
	for changed := true; changed && runs < c.cfg.ShrinkRuns; {
		changed = false
		for i := len(cur) - 2; i >= 0 && runs < c.cfg.ShrinkRuns; i-- {
			cand := slices.Delete(slices.Clone(cur), i, i+1)
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
