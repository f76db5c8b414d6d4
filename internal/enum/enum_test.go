package enum

import "testing"

type kind uint8

func TestName(t *testing.T) {
	names := []string{"", "one", "two"}
	for _, c := range []struct {
		v    kind
		want string
	}{{0, "kind(0)"}, {1, "one"}, {2, "two"}, {3, "kind(3)"}, {255, "kind(255)"}} {
		if got := Name(names, "kind", c.v); got != c.want {
			t.Errorf("Name(%d) = %q, want %q", c.v, got, c.want)
		}
	}
}
