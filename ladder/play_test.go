package ladder

import (
	"os"
	"testing"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

func TestPlay(t *testing.T) {
	name := os.Getenv("SC")
	if name == "" {
		t.Skip()
	}
	sc, _ := sim.LookupScenario(name)
	cfg, err := sc.Config(spec.MustProfile(os.Getenv("PROF")), 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	Text(os.Stdout, res.Trace, Options{Width: 100})
}

func TestPlaySVG(t *testing.T) {
	name := os.Getenv("SVG")
	if name == "" {
		t.Skip()
	}
	sc, _ := sim.LookupScenario(name)
	cfg, err := sc.Config(spec.MustProfile(os.Getenv("PROF")), 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create("/tmp/lt/" + name + ".svg")
	defer f.Close()
	SVG(f, res.Trace, Options{Title: name})
}
