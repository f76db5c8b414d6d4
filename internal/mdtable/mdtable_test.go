package mdtable

import "testing"

func TestHeader(t *testing.T) {
	for _, c := range []struct {
		cells []string
		want  string
	}{
		{[]string{"Field", "rfc9293", "linux"}, "| Field | rfc9293 | linux |\n|---|---|---|\n"},
		{[]string{"mutant"}, "| mutant |\n|---|\n"},
	} {
		if got := Header(c.cells...); got != c.want {
			t.Errorf("Header(%q) = %q, want %q", c.cells, got, c.want)
		}
	}
	if got, want := Row("a", "`b`"), "| a | `b` |\n"; got != want {
		t.Errorf("Row = %q, want %q", got, want)
	}
}
