package cli

import (
	"io"
	"os"
	"strconv"
)

// terminal says whether w is a terminal, and its width in columns (0 if
// unknown).
func terminal(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok {
		return false, 0
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false, 0
	}
	return true, termWidth(f)
}

// width is the width a ladder drawn on w should take: the terminal's,
// else $COLUMNS, else 80.
func (t *Tool) width(w io.Writer) int {
	if _, n := terminal(w); n > 0 {
		return n
	}
	if n, err := strconv.Atoi(t.getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

// color reports whether output on w may be coloured: w is a terminal and
// NO_COLOR (https://no-color.org) is unset or empty.
func (t *Tool) color(w io.Writer) bool {
	if t.getenv("NO_COLOR") != "" || t.getenv("TERM") == "dumb" {
		return false
	}
	tty, _ := terminal(w)
	return tty
}
