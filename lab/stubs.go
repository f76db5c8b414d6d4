//go:build linux

package lab

import (
	"errors"
	"io"
)

func runStates(opts Options, w io.Writer) (Result, error) {
	return Result{}, errors.New("todo")
}
func runTimeWait(opts Options, w io.Writer) (Result, error) {
	return Result{}, errors.New("todo")
}
