package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

func (t *Tool) runVersion(args []string, stdout, stderr io.Writer) int {
	const cmd = "version"
	fs := t.flagSet(cmd, "", "Prints the module version, the commit it was built from, and the Go version.")
	pos, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return t.fail(stderr, cmd, "takes no arguments")
	}
	fmt.Fprintf(stdout, "%s %s\n", t.Name, Version())
	return ExitOK
}

// Version describes the build: the module version (or "devel"), the VCS
// revision and state when known, and the Go version.
func Version() string {
	v := "devel"
	var extra []string
	if bi, ok := debug.ReadBuildInfo(); ok {
		if mv := bi.Main.Version; mv != "" && mv != "(devel)" {
			v = mv
		}
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = "+dirty"
				}
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			extra = append(extra, "commit "+rev+modified)
		}
	}
	extra = append(extra, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	return v + " (" + strings.Join(extra, ", ") + ")"
}

func (t *Tool) runHelp(args []string, stdout, stderr io.Writer) int {
	const cmd = "help"
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		args = nil // help about help: the list of commands, exit 0
	}
	if len(args) == 0 {
		t.usage(stdout)
		return ExitOK
	}
	if len(args) > 1 {
		return t.fail(stderr, cmd, "want one command name, got %d", len(args))
	}
	c := t.lookup(args[0])
	if c == nil {
		return t.fail(stderr, cmd, "unknown command %q (run '%s help' for the list)", args[0], t.Name)
	}
	if c.Name == "help" {
		t.usage(stdout)
		return ExitOK
	}
	return c.Run([]string{"-h"}, stdout, stderr)
}
