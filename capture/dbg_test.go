package capture

import (
	"bytes"
	"net/netip"
	"os"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

func TestDbg(t *testing.T) {
	b, err := os.ReadFile(os.Getenv("DBG_FILE"))
	if err != nil {
		t.Skip()
	}
	p := spec.MustProfile(os.Getenv("DBG_PROF"))
	dbgSearch = func(s string) { t.Log(s) }
	for c, err := range Judge(bytes.NewReader(b), Options{Profile: func(netip.AddrPort) (spec.Profile, bool) { return p, true }}) {
		if err != nil {
			t.Fatal(err)
		}
		t.Log(c.Ends[A].Model)
		t.Log(c.Ends[B].Model)
	}
}
