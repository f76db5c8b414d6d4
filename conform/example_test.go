package conform_test

import (
	"fmt"
	"log"

	"github.com/tcpclose/tcpclose/conform"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/oracle"
)

// A campaign of the model against itself finds nothing; against a real
// stack (--stack linux, or gvisor through tcpclose-gvisor) each kind of
// divergence comes back shrunk to a script.
func ExampleRun() {
	rep, err := conform.Run(conform.Config{Registry: stack.Registry{}.With(oracle.ModelEntry()), Stack: "model", Profile: "linux", N: 100, Seed: 1}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Scenarios, "scenarios,", rep.Diverged, "diverged,", len(rep.Kinds), "kinds")
	// Output:
	// 100 scenarios, 0 diverged, 0 kinds
}
