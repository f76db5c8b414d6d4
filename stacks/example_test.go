package stacks_test

import (
	"fmt"
	"os"

	"github.com/tcpclose/tcpclose/stacks"
)

// Replay a script on the model, as "tcpclose run --stack model" does.
// With --stack linux (root) the same script runs on the kernel, with the
// model as second opinion.
func ExampleRunCommand() {
	code := stacks.RunCommand(stacks.Default(), []string{"--stack", "model", "testdata/passive-close.pkt"}, os.Stdout, os.Stderr)
	fmt.Println("exit", code)
	// Output:
	// testdata/passive-close.pkt [profile rfc9293]: pass
	//   model/rfc9293: passed (13 lines, 30 fields checked, 0 unchecked)
	//   model/rfc9293: passed (13 lines, 30 fields checked, 0 unchecked)
	// 1 scripts, profile (each script's first): 1 pass on model, 1 pass on the model
	// exit 0
}

// The registry is a value: With returns a new one.
func ExampleRegistry_With() {
	reg := stacks.Default()
	more := reg.With(stacks.Entry{Name: "model-again", New: stacks.ModelEntry().New})
	fmt.Println(reg.Names())
	fmt.Println(more.Names())
	// Output:
	// [impl linux linux-quickack model]
	// [impl linux linux-quickack model model-again]
}
