package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestPeerSuites measures check on the packetdrill suites stack engineers
// already have: google/packetdrill's gtests/net/tcp (linux profile) and
// freebsd-net/tcp-testsuite (freebsd profile), as written. It tabulates
// exit 0 / 1 / 3 (beyond the model) / 2 per suite and fails on an exit 2
// for a script packetdrill itself reads (a script with a .exfail marker
// beside it is expected to fail). It runs only with TCPCLOSE_PEERS set to
// the directory holding both clones:
//
//	TCPCLOSE_PEERS=/work/peers go test ./cli -run TestPeerSuites -v
//
// With TCPCLOSE_PEERS_OUT=file.tsv it writes suite, script, exit and the
// verdict's first line per script.
func TestPeerSuites(t *testing.T) {
	root := os.Getenv("TCPCLOSE_PEERS")
	if root == "" {
		t.Skip("set TCPCLOSE_PEERS to the directory with packetdrill/ and tcp-testsuite/")
	}
	suites := []struct{ name, dir, profile string }{
		{"packetdrill", filepath.Join(root, "packetdrill/gtests/net/tcp"), "linux"},
		{"freebsd", filepath.Join(root, "tcp-testsuite"), "freebsd"},
	}
	var tsv strings.Builder
	for _, su := range suites {
		var files []string
		filepath.WalkDir(su.dir, func(p string, d os.DirEntry, err error) error { //nolint:errcheck // a missing suite shows as 0 scripts
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".pkt") {
				files = append(files, p)
			}
			return nil
		})
		sort.Strings(files)
		if len(files) == 0 {
			t.Errorf("%s: no scripts under %s", su.name, su.dir)
			continue
		}
		counts := map[int]int{}
		for _, f := range files {
			code, stdout, stderr := run("check", "-profile", su.profile, f)
			counts[code]++
			first := strings.SplitN(strings.TrimSpace(stdout+stderr), "\n", 2)[0]
			rel, _ := filepath.Rel(su.dir, f)
			fmt.Fprintf(&tsv, "%s\t%s\t%d\t%s\n", su.name, rel, code, first)
			if code == ExitUsage {
				if _, err := os.Stat(strings.TrimSuffix(f, ".pkt") + ".exfail"); err == nil {
					t.Logf("%s: exit 2, expected to fail (.exfail): %s", rel, first)
				} else {
					t.Errorf("%s: exit 2: %s", rel, first)
				}
			}
		}
		t.Logf("%s (%d scripts, profile %s): exit 0 %d, exit 1 %d, beyond (3) %d, exit 2 %d",
			su.name, len(files), su.profile, counts[ExitOK], counts[ExitFail], counts[ExitBeyond], counts[ExitUsage])
	}
	if out := os.Getenv("TCPCLOSE_PEERS_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(tsv.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
