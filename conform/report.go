package conform

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Write prints the report: the campaign's numbers, then each divergence
// kind with what the stack and the model did, the rules, the script and
// its replay.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "stack %s (%s), profile %s", r.Stack, r.StackName, r.Profile)
	if len(r.Applied) > 0 {
		fmt.Fprintf(w, " with %s", strings.Join(r.Applied, ", "))
	}
	fmt.Fprintf(w, ", seed %d\n", r.Seed)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "%d scenarios, %d steps, %s, %.1f scenarios/s; %d diverged in %d kinds (%d not explained by a known cause); %d harness errors\n",
		r.Scenarios, r.Steps, r.Elapsed.Round(time.Millisecond), r.Rate(), r.Diverged, len(r.Kinds), r.New(), len(r.Errors))
	r.writeCauses(w)
	for i, e := range r.Errors {
		if i == 5 {
			fmt.Fprintf(w, "  ... %d more\n", len(r.Errors)-5)
			break
		}
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	for i, k := range r.Kinds {
		fmt.Fprintf(w, "\n%d. %s  (%d scenarios; first: scenario %d, %d steps, shrunk to %d)\n", i+1, k.Key, k.Count, k.Scenario, k.Steps, k.Shrunk)
		if k.Cause != nil {
			fmt.Fprintf(w, "   cause: %s (%s)\n", k.Cause.ID, k.Cause.Verdict)
		} else {
			fmt.Fprintf(w, "   cause: NEW (no known cause)\n")
		}
		fmt.Fprintf(w, "   stack: %s\n   model: %s\n", k.Stack, k.Model)
		if len(k.Tags) > 0 {
			fmt.Fprintf(w, "   tags: %s\n", strings.Join(k.Tags, " "))
		}
		if len(k.Rules) > 0 {
			var ids []string
			for _, id := range k.Rules {
				if !slices.Contains(ids, string(id)) {
					ids = append(ids, string(id))
				}
			}
			fmt.Fprintf(w, "   rules: %s\n", strings.Join(ids, " "))
		}
		if k.File != "" {
			fmt.Fprintf(w, "   script: %s\n", k.File)
		}
		if k.Replay != "" {
			fmt.Fprintf(w, "   replay: %s\n", k.Replay)
		}
		if k.Explained {
			if len(k.Candidates) == 0 {
				fmt.Fprintf(w, "   explained by no single profile field\n")
			}
			for _, c := range k.Candidates {
				fmt.Fprintf(w, "   profile candidate: %s\n", c)
			}
		}
	}
}

// writeCauses prints, per known cause, how many kinds and scenarios it
// explains.
func (r *Report) writeCauses(w io.Writer) {
	type tally struct {
		c            *Cause
		kinds, scens int
	}
	var order []*tally
	by := map[string]*tally{}
	newK, newS := 0, 0
	for _, k := range r.Kinds {
		if k.Cause == nil {
			newK++
			newS += k.Count
			continue
		}
		t := by[k.Cause.ID]
		if t == nil {
			t = &tally{c: k.Cause}
			by[k.Cause.ID] = t
			order = append(order, t)
		}
		t.kinds++
		t.scens += k.Count
	}
	if len(order) == 0 && newK == 0 {
		return
	}
	fmt.Fprintf(w, "causes:\n")
	for _, t := range order {
		fmt.Fprintf(w, "  %-34s %4d kinds %5d scenarios  %s: %s\n", t.c.ID, t.kinds, t.scens, t.c.Verdict, t.c.Summary)
	}
	if newK > 0 {
		fmt.Fprintf(w, "  %-34s %4d kinds %5d scenarios  to triage\n", "(no known cause)", newK, newS)
	}
}
