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
// and the profile field that decides it where the RFCs leave a choice:
// here, the rules the field TimeWaitRST decides.
func ExampleLookupRule() {
	for _, r := range spec.Rules() {
		if r.Profile != "TimeWaitRST" {
			continue
		}
		same, ok := spec.LookupRule(r.ID)
		fmt.Println(ok && same.ID == r.ID, "|", r.Source, "|", r.Keyword)
		fmt.Println(r.Summary)
	}
	// Output:
	// true | RFC 9293 §3.10.7.4 step 2 | desc
	// In CLOSING, LAST-ACK and TIME-WAIT a valid RST simply deletes the TCB.
	// true | RFC 1337 §3 | SHOULD
	// Ignoring RST in TIME-WAIT removes all three assassination hazards.
	// true | RFC 9293 §3.10.7.4 vs RFC 1337 | ambiguity
	// RFC 9293 lets a valid RST close TIME-WAIT; RFC 1337 argues it should be ignored.
}
