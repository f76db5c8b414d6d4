package script

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/scenarios"
)

// FuzzParse: parsing arbitrary bytes gives a script or a *ParseError naming
// file:line, never a panic; a script that parses has events with lines
// inside the file, prints, and plays on the model without panicking.
//
//	go test ./script -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	for _, sc := range scenarios.All() {
		f.Add(sc.Content)
	}
	lang, _ := filepath.Glob("testdata/lang/*.pkt")
	for _, p := range lang {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// Only the first 1 KiB is parsed: Go's minimizer runs an input
		// once per byte and per run of bytes it tries to remove, so its
		// cost grows with the cube of the length (with whole corpus
		// scripts a new input kept a worker minimizing for a minute).
		src = src[:min(len(src), 1024)]
		s, err := Parse("f.pkt", src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Pos.File != "f.pkt" || pe.Pos.Line < 1 || !strings.HasPrefix(err.Error(), "f.pkt:") {
				t.Fatalf("error %q is not a *ParseError naming f.pkt:line", err)
			}
			if max := bytes.Count(src, []byte("\n")) + 1; pe.Pos.Line > max {
				t.Fatalf("error at line %d of a %d-line input: %v", pe.Pos.Line, max, err)
			}
			return
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		if len(s.Events) == 0 {
			t.Fatal("a script without events parsed")
		}
		for _, ev := range s.Events {
			if ev.Line < 1 || ev.Line > lines {
				t.Fatalf("event at line %d of a %d-line input", ev.Line, lines)
			}
			_ = ev.String()
		}
		if len(s.Sets) > 0 {
			return // overrides can make the model arbitrarily slow (RTOMax=1ns)
		}
		su, err := ModelSetup(s, "rfc9293")
		if err != nil {
			return
		}
		st, err := NewModelStack(su.Profile, su.Config)
		if err != nil {
			return
		}
		Run(s, st, RunOptions{}) //nolint:errcheck // only panics matter
	})
}

// FuzzReader: a script read as a stream (NewReader, RunReader on the
// model) and read whole (ParseWith) agree on whether it is valid, for
// both #ifdef platforms; neither panics, and an error names f.pkt:line
// within the input.
//
//	go test ./script -run '^$' -fuzz FuzzReader -fuzztime 60s
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/lang/*.pkt")
	for _, p := range files {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src, true)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, freebsd bool) {
		opts := ParseOptions{Platform: "Linux", Defines: map[string]string{"TFO_COOKIE": "3021b9d889017eeb", "FD": "3"}}
		profile := "linux"
		if freebsd {
			opts.Platform, profile = "FreeBSD", "freebsd"
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		checkErr := func(err error) {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Pos.File != "f.pkt" || pe.Pos.Line < 1 || pe.Pos.Line > lines {
				t.Fatalf("error %q is not a *ParseError naming f.pkt:line within %d lines", err, lines)
			}
			if len(err.Error()) > 1000 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
		}
		_, whole := ParseWith("f.pkt", src, opts)
		if whole != nil {
			checkErr(whole)
		}
		rd, err := NewReader("f.pkt", src, opts)
		if err != nil {
			checkErr(err)
			if whole == nil {
				t.Fatalf("the stream fails (%v) where the whole script parses", err)
			}
			return
		}
		s := rd.Script()
		if len(s.Sets) > 0 {
			return // overrides can make the model arbitrarily slow
		}
		su, err := ModelSetup(s, profile)
		if err != nil {
			return
		}
		st, err := NewModelStack(su.Profile, su.Config)
		if err != nil {
			return
		}
		_, err = RunReader(rd, st, RunOptions{NoTrace: true})
		var pe *ParseError
		if errors.As(err, &pe) {
			checkErr(err)
			if whole == nil {
				t.Fatalf("the stream fails (%v) where the whole script parses", err)
			}
		} else if whole != nil && err == nil {
			t.Fatalf("the stream reads what the whole parse rejects: %v", whole)
		}
	})
}
