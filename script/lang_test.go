package script

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var wantLine = regexp.MustCompile(`(?m)^// want: (conforms|diverges (\d+)|beyond (\d+) (.+))$`)

// TestLangScripts plays testdata/lang/*.pkt, one script per construct of
// the packetdrill language, on every profile each lists, read as a stream
// (RunReader) and whole (Parse, Run): each gives the verdict its "//
// want:" line names (conforms; diverges LINE; beyond LINE FEATURE).
func TestLangScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/lang/*.pkt")
	if len(files) < 9 {
		t.Fatalf("only %d lang scripts", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := wantLine.FindSubmatch(src)
		if m == nil {
			t.Errorf("%s: no // want: line", f)
			continue
		}
		hdr, err := NewReader(f, src, ParseOptions{})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, prof := range hdr.Script().Profiles {
			for _, stream := range []bool{true, false} {
				opts := ParseOptions{Platform: PlatformFor(prof)}
				var s *Script
				var rd *Reader
				if stream {
					rd, err = NewReader(f, src, opts)
					if err == nil {
						s = rd.Script()
					}
				} else {
					s, err = ParseWith(f, src, opts)
				}
				if err != nil {
					t.Errorf("%s on %s: %v", f, prof, err)
					continue
				}
				su, err := ModelSetup(s, prof)
				if err != nil {
					t.Errorf("%s on %s: %v", f, prof, err)
					continue
				}
				st, err := NewModelStack(su.Profile, su.Config)
				if err != nil {
					t.Fatal(err)
				}
				var res *Result
				if stream {
					res, err = RunReader(rd, st, RunOptions{})
				} else {
					res, err = Run(s, st, RunOptions{})
				}
				st.Close()
				if err != nil {
					t.Errorf("%s on %s: %v", f, prof, err)
					continue
				}
				switch want := string(m[1]); {
				case want == "conforms":
					if !res.Passed() {
						t.Errorf("%s on %s (stream %v): want conforms, got %v %v", f, prof, stream, res.Divergence, res.Beyond)
					}
				case strings.HasPrefix(want, "diverges"):
					line, _ := strconv.Atoi(string(m[2]))
					if res.Divergence == nil || res.Divergence.Pos.Line != line {
						t.Errorf("%s on %s (stream %v): want a divergence at line %d, got %v %v", f, prof, stream, line, res.Divergence, res.Beyond)
					}
				default:
					line, _ := strconv.Atoi(string(m[3]))
					if !res.IsBeyond() || res.Beyond.Pos.Line != line || !strings.Contains(res.Beyond.Feature, string(m[4])) {
						t.Errorf("%s on %s (stream %v): want beyond at line %d (%s), got %v %v", f, prof, stream, line, m[4], res.Divergence, res.Beyond)
					}
				}
			}
		}
	}
}
