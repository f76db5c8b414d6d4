//go:build mutants

package props

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/internal/mdtable"
	"github.com/tcpclose/tcpclose/spec"
)

// Mutation tests (build tag mutants: impl.NewMutant exists only in that
// build): the implementation built with a deliberate defect
// (impl.NewMutant) must be caught by the properties. For every
// mutant, four properties run in turn over every profile and role until
// one fails: agreement with the model under rapid and under gopter, and
// the invariants of invariants_test.go on the implementation alone under
// rapid and under gopter. The table says which caught it, after how many
// sequences and how long (to the first failing sequence), and how many
// events the shrunk counterexample has.
//
//	TCPCLOSE_MUTANTS=1 go test -tags mutants ./props -run TestMutants -v -timeout 60m
//
// runs every mutant against every property and prints the table
// (docs/performance.md keeps a copy; TCPCLOSE_MUTANT=<name> runs one
// mutant, TCPCLOSE_MUTANTS_OUT=<file> writes the table); rapid's shrinking
// is capped at 10 s a property. By default TestMutantsQuick runs a few
// mutants against the rapid agreement property only.

// mutProp is one property a mutant is run against.
type mutProp struct {
	name string
	run  func(t *testing.T, p spec.Profile, role string, m impl.Mutant) mutResult
}

// mutResult is the outcome of one property on one profile and role.
type mutResult struct {
	caught    bool
	seqs      int           // sequences run up to and including the first failing one
	firstFail time.Duration // time to the first failing sequence
	shrunk    int           // events of the shrunk counterexample, after the opening calls
	detail    string        // which invariant, or the first line of the failure
}

var mutProps = []mutProp{
	{"agree/rapid", mutRapid(false)},
	{"agree/gopter", mutGopter(false)},
	{"invariants/rapid", mutRapid(true)},
	{"invariants/gopter", mutGopter(true)},
}

// captureTB is a rapid.TB that records a failure instead of failing the
// test, so that a mutant's run can be measured.
type captureTB struct {
	name   string
	failed bool
	msg    strings.Builder
}

func (c *captureTB) Helper()                           {}
func (c *captureTB) Name() string                      { return c.name }
func (c *captureTB) Logf(string, ...any)               {}
func (c *captureTB) Log(...any)                        {}
func (c *captureTB) Skipf(string, ...any)              {}
func (c *captureTB) Skip(...any)                       {}
func (c *captureTB) SkipNow()                          {}
func (c *captureTB) FailNow()                          {}
func (c *captureTB) Fail()                             { c.failed = true }
func (c *captureTB) Failed() bool                      { return c.failed }
func (c *captureTB) Fatal(args ...any)                 { c.Error(args...) }
func (c *captureTB) Fatalf(format string, args ...any) { c.Errorf(format, args...) }
func (c *captureTB) Error(args ...any) {
	c.failed = true
	fmt.Fprintln(&c.msg, args...)
}
func (c *captureTB) Errorf(format string, args ...any) {
	c.failed = true
	fmt.Fprintf(&c.msg, format+"\n", args...)
}

var rapidFailedAfter = regexp.MustCompile(`failed after (\d+) tests`)

// mutRapid runs the rapid agreement property (or, with inv, the rapid
// invariant property on the implementation alone) against a mutant.
func mutRapid(inv bool) func(t *testing.T, p spec.Profile, role string, m impl.Mutant) mutResult {
	return func(t *testing.T, p spec.Profile, role string, m impl.Mutant) mutResult {
		var r mutResult
		var last *agree
		var lastInv *invChecker
		start := time.Now()
		runs := 0
		tb := &captureTB{name: fmt.Sprintf("Mutants/%s/%s/%s/%v", m, p.Name, role, inv)}
		rapid.Check(tb, func(rt *rapid.T) {
			runs++
			defer func() {
				if e := recover(); e != nil {
					if r.firstFail == 0 {
						r.firstFail, r.seqs = time.Since(start), runs
					}
					panic(e)
				}
			}()
			if inv {
				c := newInvChecker(p)
				lastInv = c
				last = newAgreeWith(rt, p, role, agreeOpts{single: "impl", mutant: m, check: c.step})
			} else {
				last = newAgreeWith(rt, p, role, agreeOpts{mutant: m})
			}
			rt.Repeat(last.actions())
		})
		if !tb.failed {
			r.seqs = runs
			return r
		}
		r.caught = true
		if mm := rapidFailedAfter.FindStringSubmatch(tb.msg.String()); mm != nil {
			n, _ := strconv.Atoi(mm[1])
			r.seqs = n + 1 // the sequences before the failing one, and it
		}
		if last != nil {
			r.shrunk = last.steps - last.setup // the last run replays the minimal case
		}
		r.detail = firstViolation(tb.msg.String())
		if inv && lastInv != nil && lastInv.violated != "" {
			r.detail = lastInv.violated
		}
		return r
	}
}

// firstViolation is the kind of difference a failure reports.
func firstViolation(msg string) string {
	for _, k := range []string{"outputs differ", "snapshots differ", "NextDeadline", "Now:", "TimeWaitCount", "set-up outputs differ", "invariant"} {
		if strings.Contains(msg, k) {
			return strings.TrimSuffix(k, ":")
		}
	}
	return "failed"
}

// mutGopter runs the gopter agreement property (or, with inv, the gopter
// invariant property) against a mutant.
func mutGopter(inv bool) func(t *testing.T, p spec.Profile, role string, m impl.Mutant) mutResult {
	return func(t *testing.T, p spec.Profile, role string, m impl.Mutant) mutResult {
		tests, maxLen := gopterSizes()
		start := time.Now()
		res, st := gRun(p, role, gMode{mutant: m, invariants: inv}, gopterSeed(t), tests, maxLen)
		r := mutResult{seqs: st.seqs}
		if res.Passed() {
			return r
		}
		r.caught = true
		r.seqs, r.firstFail, r.shrunk = st.firstFail, st.firstFailAt.Sub(start), st.failLen
		r.detail = firstViolation(strings.Join(res.Labels, "\n"))
		if inv && st.violated != "" {
			r.detail = st.violated
		}
		return r
	}
}

// mutRow is one mutant's line of the table.
type mutRow struct {
	m     impl.Mutant
	cells []mutCell
}

type mutCell struct {
	where  string // profile/role that caught it
	seqs   int    // sequences over every profile tried, to the first failure
	dt     time.Duration
	shrunk int
	detail string
}

// runMutant runs property pr against mutant m over every profile and role
// until one catches it.
func runMutant(t *testing.T, pr mutProp, m impl.Mutant) mutCell {
	var cell mutCell
	var spent time.Duration
	for _, p := range agreeProfiles(t) {
		for _, role := range []string{"listen", "connect"} {
			start := time.Now()
			r := pr.run(t, p, role, m)
			if r.caught {
				cell.where = p.Name + "/" + role
				cell.seqs += r.seqs
				cell.dt = spent + r.firstFail
				cell.shrunk, cell.detail = r.shrunk, r.detail
				return cell
			}
			cell.seqs += r.seqs
			spent += time.Since(start)
		}
	}
	cell.dt = spent
	return cell
}

func (c mutCell) String() string {
	if c.where == "" {
		return fmt.Sprintf("not caught (%d seqs, %s)", c.seqs, c.dt.Round(time.Millisecond))
	}
	return fmt.Sprintf("%s: %s, %d seqs, %s, %d events", c.where, c.detail, c.seqs, c.dt.Round(time.Millisecond), c.shrunk)
}

// TestMutants runs every mutant against every property and prints the
// table; every mutant must be caught by some property.
func TestMutants(t *testing.T) {
	if os.Getenv("TCPCLOSE_MUTANTS") != "1" {
		t.Skip("TCPCLOSE_MUTANTS=1 runs the mutation tests")
	}
	restore := setRapidDefaults(map[string]string{"rapid.checks": "150", "rapid.steps": "200", "rapid.nofailfile": "true", "rapid.shrinktime": "10s"})
	defer restore()
	only := os.Getenv("TCPCLOSE_MUTANT") // one mutant by name
	var rows []mutRow
	var mu sync.Mutex
	for _, m := range impl.Mutants() {
		if only != "" && m.String() != only {
			continue
		}
		t.Run(m.String(), func(t *testing.T) {
			row := mutRow{m: m}
			for _, pr := range mutProps {
				c := runMutant(t, pr, m)
				t.Logf("%-18s %s", pr.name, c)
				row.cells = append(row.cells, c)
			}
			caught := false
			for _, c := range row.cells {
				caught = caught || c.where != ""
			}
			if !caught {
				t.Errorf("mutant %s survived every property", m)
			}
			mu.Lock()
			rows = append(rows, row)
			mu.Unlock()
		})
	}
	var b strings.Builder
	head := []string{"mutant"}
	for _, pr := range mutProps {
		head = append(head, pr.name)
	}
	b.WriteString(mdtable.Header(head...))
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |", r.m)
		for _, c := range r.cells {
			if c.where == "" {
				fmt.Fprintf(&b, " - (%d seqs, %s) |", c.seqs, c.dt.Round(time.Second))
				continue
			}
			fmt.Fprintf(&b, " %s; %s; %d seqs, %s; %d ev |", c.detail, c.where, c.seqs, fmtDur(c.dt), c.shrunk)
		}
		b.WriteString("\n")
	}
	t.Logf("mutant table (cell: what failed; where; sequences and time to the first failing sequence; events in the shrunk counterexample)\n%s", b.String())
	if f := os.Getenv("TCPCLOSE_MUTANTS_OUT"); f != "" {
		if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}

// TestMutantsQuick checks by default that the rapid agreement property
// still catches a few mutants on the profiles where they show.
func TestMutantsQuick(t *testing.T) {
	restore := setRapidDefaults(map[string]string{"rapid.checks": "150", "rapid.steps": "60", "rapid.nofailfile": "true", "rapid.shrinktime": "2s"})
	defer restore()
	for _, tc := range []struct {
		m       impl.Mutant
		profile string
		role    string
	}{
		{impl.MutantCloseWaitToClosing, "rfc9293", "listen"},
		{impl.MutantTWNoRestartOnFIN, "rfc9293", "connect"},
		{impl.MutantRSTAnyInWindow, "linux", "listen"},
		{impl.MutantFinAckAtOnce, "linux", "listen"},
		{impl.MutantProbeBacksOff, "linux", "listen"},
		{impl.MutantSynLinearForever, "linux", "connect"},
		{impl.MutantWindowUnscaled, "linux", "listen"},
		{impl.MutantWScaleUncapped, "freebsd", "connect"},
	} {
		t.Run(tc.m.String(), func(t *testing.T) {
			r := mutRapid(false)(t, spec.MustProfile(tc.profile), tc.role, tc.m)
			if !r.caught {
				t.Fatalf("mutant %s not caught on %s/%s after %d sequences", tc.m, tc.profile, tc.role, r.seqs)
			}
			t.Logf("caught after %d sequences (%s); shrunk to %d events: %s", r.seqs, fmtDur(r.firstFail), r.shrunk, r.detail)
		})
	}
}
