package spec_test

import (
	"fmt"

	"github.com/tcpclose/tcpclose/spec"
)

// A profile makes every choice the RFCs leave open explicit; a field can
// be changed by name (as -set Field=Value does on the command line), and
// every field says where its value comes from.
func ExampleProfile_SetField() {
	p, err := spec.LookupProfile("linux")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("TimeWait:", p.TimeWait)
	if err := p.SetField("TimeWait", "30s"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("TimeWait:", p.TimeWait, "valid:", p.Validate() == nil)
	fmt.Println(p.SetField("TimeWait", "soon"))
	// Output:
	// TimeWait: 1m0s
	// TimeWait: 30s valid: true
	// field TimeWait wants a duration such as 60s: time: invalid duration "soon"
}

// Every rule of the catalogue has an ID, the RFC section it comes from,
// and the profile field that decides it where the RFCs leave a choice.
func ExampleLookupRule() {
	r, ok := spec.LookupRule("R1337-F1")
	if !ok {
		fmt.Println("no such rule")
		return
	}
	fmt.Println(r.ID, "|", r.Source, "|", r.Keyword, "|", r.Profile)
	fmt.Println(r.Summary)
	// Output:
	// R1337-F1 | RFC 1337 §3 | SHOULD | TimeWaitRST
	// Ignoring RST in TIME-WAIT removes all three assassination hazards.
}
