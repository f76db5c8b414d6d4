package props_test

import (
	"fmt"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"
	"pgregory.net/rapid"

	"github.com/tcpclose/tcpclose/sim"
)

// e2eRunnable is a generated end-to-end case: it names itself and builds
// the simulator run it stands for.
type e2eRunnable interface {
	fmt.Stringer
	config() (sim.Config, error)
}

// e2eProp is one end-to-end property: how rapid draws a case, how gopter
// generates one (nil where only rapid runs it), and the check of the run
// (package check holds the checks themselves). Every property runs through
// the same two runners, Rapid and Gopter; the rapid and gopter generators
// stay independent of each other on purpose, and each Test function keeps
// its name so that rapid's fail files under testdata/rapid replay.
type e2eProp[C e2eRunnable] struct {
	name   string // what gopter reports
	rapid  func(*rapid.T) C
	gopter gopter.Gen // of C
	check  func(C, *sim.Result) error
}

// run plays case c and checks it, returning the check's verdict and the
// report to print with it.
func (p e2eProp[C]) run(c C) (report string, err error) {
	cfg, err := c.config()
	if err != nil {
		return "", err
	}
	res, err := e2eRun(cfg)
	if err != nil {
		return "", err
	}
	if err := p.check(c, res); err != nil {
		return e2eReport(res), err
	}
	return "", nil
}

// Rapid runs the property under rapid.
func (p e2eProp[C]) Rapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		if report, err := p.run(p.rapid(t)); err != nil {
			t.Fatalf("%v\n%s", err, report)
		}
	})
}

// Gopter runs the property under gopter, n cases (seed printed).
func (p e2eProp[C]) Gopter(t *testing.T, n int) {
	props := gopter.NewProperties(e2eGopterParams(t, n))
	props.Property(p.name, prop.ForAll(func(c C) (bool, error) {
		if report, err := p.run(c); err != nil {
			t.Logf("%v\n%s", err, report)
			return false, err
		}
		return true, nil
	}, p.gopter))
	props.TestingRun(t)
}
