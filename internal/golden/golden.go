// Package golden is what the project's golden-file tests share: the one
// -rewrite flag, and the check that a generated file, or a generated
// region of a hand-written one, is what the code makes now. Only tests
// import it.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the generated files the tests compare against instead of comparing")

// Rewrite reports whether the test binary runs with -rewrite.
func Rewrite() bool { return *rewrite }

// File checks that the file at path holds want and fails t if not,
// naming how, the command that regenerates it; with -rewrite it writes
// want there instead.
func File(t testing.TB, path string, want []byte, how string) {
	t.Helper()
	if *rewrite {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run %s", path, how)
	}
}

// Region is File for the part of the file at path between the lines begin
// and end (both kept): it checks that the part is body, or with -rewrite
// puts body there. A file without the two markers, in that order, fails t.
func Region(t testing.TB, path, begin, end string, body []byte, how string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Splice(src, begin, end, body)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	File(t, path, want, how)
}

// Splice returns src with what stands between begin and end replaced by
// body.
func Splice(src []byte, begin, end string, body []byte) ([]byte, error) {
	i := bytes.Index(src, []byte(begin))
	if i < 0 {
		return nil, fmt.Errorf("no line %q", begin)
	}
	i += len(begin)
	j := bytes.Index(src[i:], []byte(end))
	if j < 0 {
		return nil, fmt.Errorf("no line %q after %q", end, begin)
	}
	out := append([]byte{}, src[:i]...)
	out = append(out, body...)
	return append(out, src[i+j:]...), nil
}
