//go:build !linux

package lab

import (
	"errors"
	"io"
)

// Run needs Linux: elsewhere it fails.
func Run(name string, opts Options, w io.Writer) (Result, error) {
	return Result{Name: name}, errors.New("lab: experiments need Linux (network namespaces, AF_PACKET, sock_diag)")
}
