package capture

import "testing"

// TestModelOutcome: each form of Endpoint.Model has its outcome.
func TestModelOutcome(t *testing.T) {
	for model, want := range map[string]Outcome{
		"": NotReplayed,
		"conforms to linux (calls inferred: close)":    Conforms,
		"fits: linux, freebsd":                         Conforms,
		"violation of linux at packet #41: ...":        Violation,
		"no profile fits":                              Violation,
		"cannot judge: search exceeded 256 candidates": CannotJudge,
	} {
		if got := (&Endpoint{Model: model}).ModelOutcome(); got != want {
			t.Errorf("ModelOutcome(%q) = %d, want %d", model, got, want)
		}
	}
}
