// Package enum prints the small integer enumerations of the project from a
// table of names, so that every String method of such a type reads the same
// way and falls back the same way on a value out of the table.
package enum

import "fmt"

// Name returns names[v], or "typ(v)" when v is past the end of names or its
// name is empty (the zero value of an enumeration counted from 1).
func Name[T ~uint8 | ~uint16 | ~uint32](names []string, typ string, v T) string {
	if uint64(v) < uint64(len(names)) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, uint64(v))
}
