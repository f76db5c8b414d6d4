package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSplice(t *testing.T) {
	src := []byte("head\n<!-- b -->\nold\n<!-- e -->\ntail\n")
	got, err := Splice(src, "<!-- b -->\n", "<!-- e -->\n", []byte("new\nlines\n"))
	if want := "head\n<!-- b -->\nnew\nlines\n<!-- e -->\ntail\n"; err != nil || string(got) != want {
		t.Errorf("Splice = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"no markers\n", "<!-- e -->\n<!-- b -->\n", "<!-- b -->\n"} {
		if _, err := Splice([]byte(bad), "<!-- b -->\n", "<!-- e -->\n", nil); err == nil {
			t.Errorf("Splice(%q) found a region", bad)
		}
	}
}

// File passes on the same content and fails on other content (recorded
// by a fake testing.TB, since the real failure is the point).
func TestFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.txt")
	if err := os.WriteFile(path, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var same, other, missing recorder
	File(&same, path, []byte("x\n"), "go test -rewrite")
	File(&other, path, []byte("y\n"), "go test -rewrite")
	File(&missing, path+".none", []byte("x\n"), "go test -rewrite")
	if same.failed || !other.failed || !missing.failed {
		t.Errorf("failed: same %t, other %t, missing %t; want false, true, true", same.failed, other.failed, missing.failed)
	}
	if !strings.Contains(other.msg, "gen.txt is stale: run go test -rewrite") {
		t.Errorf("message %q", other.msg)
	}
}

type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
}
