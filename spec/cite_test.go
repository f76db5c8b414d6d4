package spec

import (
	"regexp"
	"testing"
)

// noteID matches what a reader cannot look up: the IDs of the project's
// private research notes (PI-01, LX-12, GV-03, SM-36, FB-04, GS-14) and
// the notes file itself.
var noteID = regexp.MustCompile(`\b(PI|LX|GV|SM|FB|GS)-\d+\b|stacks\.md|research notes`)

// TestProfileSourcesCanBeFollowed: every profile's description and every
// field's source name something a reader can look up (a kernel file and
// function, an RFC section, an upstream test, a measurement in docs/),
// never a research-note ID.
func TestProfileSourcesCanBeFollowed(t *testing.T) {
	for _, name := range ProfileNames() {
		p := MustProfile(name)
		if noteID.MatchString(p.Description) {
			t.Errorf("%s: description cites research notes: %q", name, p.Description)
		}
		for field, src := range p.Cite {
			if m := noteID.FindString(src); m != "" {
				t.Errorf("%s.%s cites %q, which no reader can look up: %q", name, field, m, src)
			}
		}
	}
	if md := ProfilesMarkdown(); noteID.Match(md) {
		t.Errorf("docs/profiles.md cites research notes: %q", noteID.Find(md))
	}
}
