package lab

import (
	"slices"
	"testing"
)

// TestWithoutDelayedFinAck: the model's bare ACK of the peer's FIN goes
// when the same side's FIN or data with the same numbers follows at once
// (docs/deviations.md Linux item 1), and stays otherwise.
func TestWithoutDelayedFinAck(t *testing.T) {
	model := []string{
		"client > server F. 101:101(0) ack 1",
		"server > client . 1:1(0) ack 102",
		"server > client F. 1:1(0) ack 102",
		"client > server . 102:102(0) ack 2",
	}
	kernel := []string{model[0], model[2], model[3]}
	if got := withoutDelayedFinAck(model); !slices.Equal(got, kernel) {
		t.Errorf("FIN case: got %q, want %q", got, kernel)
	}
	data := []string{"client > server F. 101:101(0) ack 1", "server > client . 1:1(0) ack 102", "server > client . 1:1001(1000) ack 102"}
	if got := withoutDelayedFinAck(data); !slices.Equal(got, []string{data[0], data[2]}) {
		t.Errorf("data case: got %q", got)
	}
	handshake := []string{"server > client S. 0:0(0) ack 1", "client > server . 1:1(0) ack 1", "client > server . 1:101(100) ack 1"}
	if got := withoutDelayedFinAck(handshake); !slices.Equal(got, handshake) {
		t.Errorf("handshake ACK before data: got %q, want it unchanged", got)
	}
	apart := []string{"server > client . 1:1(0) ack 102", "client > server F. 1:1(0) ack 102"}
	if got := withoutDelayedFinAck(apart); !slices.Equal(got, apart) {
		t.Errorf("other side's FIN: got %q, want it unchanged", got)
	}
}
