package cli

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/tcpclose/tcpclose/lab"
)

const labDescription = `
Runs experiments on the real Linux kernel, each over loopback inside a
private network namespace, and sets what the kernel did beside what the
model predicts with the linux profile. With no experiment named, runs them
all. Needs Linux and root (to create the namespace and capture on it).

Exit status: 0 when the kernel agrees with the profile in every experiment
run or departs from it only as docs/deviations.md documents (verdict "known
departures"), 1 when it differs in one otherwise, 2 on a usage error or
when the experiments cannot run here (not Linux, not root).`

func (t *Tool) runLab(args []string, stdout, stderr io.Writer) int {
	const cmd = "lab"
	fs := t.flagSet(cmd, "[-quick] [-pcap DIR] [-list] [EXPERIMENT...]", labDescription)
	quick := fs.Bool("quick", false, "shorten the slow parts: read the TIME-WAIT timer instead of waiting 60 s for it")
	pcapDir := fs.String("pcap", "", "write one pcap file per capture into `DIR`")
	names, code := t.parseOrList(fs, cmd, "experiments", func(w io.Writer) {
		for _, n := range lab.Names() {
			fmt.Fprintf(w, "%-10s  %s\n", n, lab.Describe(n))
		}
	}, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	for _, n := range names {
		if lab.Describe(n) == "" {
			return t.fail(stderr, cmd, "unknown experiment %q (experiments: %s)", n, strings.Join(lab.Names(), ", "))
		}
	}
	if len(names) == 0 {
		names = lab.Names()
	}
	if runtime.GOOS != "linux" {
		return t.fail(stderr, cmd, "the lab needs Linux (this is %s)", runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		return t.fail(stderr, cmd, "the lab needs root to create a network namespace (try: sudo %s lab)", t.Name)
	}
	if *pcapDir != "" {
		// Created if missing, as conform -out is.
		if err := os.MkdirAll(*pcapDir, 0o755); err != nil {
			return t.fail(stderr, cmd, "-pcap: %s", err)
		}
	}
	status := ExitOK
	for _, n := range names {
		res, err := lab.Run(n, lab.Options{Quick: *quick, PcapDir: *pcapDir}, stdout)
		if err != nil {
			return t.fail(stderr, cmd, "%s: %s", n, strings.TrimPrefix(err.Error(), "lab: "))
		}
		if res.Verdict == lab.Differs {
			status = ExitFail
		}
	}
	return status
}
