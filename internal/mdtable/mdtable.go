// Package mdtable writes the rows of Markdown tables, so that the
// project's generated documents and test reports write a table's header
// and separator the one same way.
package mdtable

import "strings"

// Row returns the Markdown table row "| c1 | c2 | ... |" and a newline.
func Row(cells ...string) string {
	return "| " + strings.Join(cells, " | ") + " |\n"
}

// Header returns the header row of cells and the separator row under
// it ("|---|" per column), each with its newline.
func Header(cells ...string) string {
	return Row(cells...) + "|" + strings.Repeat("---|", len(cells)) + "\n"
}
