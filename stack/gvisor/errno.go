package gvisor

import (
	"gvisor.dev/gvisor/pkg/tcpip"

	"github.com/tcpclose/tcpclose/spec"
)

// Linux errno values the sentry returns that spec names no constant for.
const (
	enoent        spec.Errno = 2
	efault        spec.Errno = 14
	ebusy         spec.Errno = 16
	eexist        spec.Errno = 17
	enodev        spec.Errno = 19
	enotty        spec.Errno = 25
	enonet        spec.Errno = 64
	edestaddrreq  spec.Errno = 89
	emsgsize      spec.Errno = 90
	eafnosupport  spec.Errno = 97
	enetunreach   spec.Errno = 101
	enobufs       spec.Errno = 105
	ehostdown     spec.Errno = 112
	ehostunreach  spec.Errno = 113
	eacces        spec.Errno = 13
	errnoNoErrno  spec.Errno = 0
	errnoFallback            = spec.EINVAL
)

// Errno maps a netstack error to the Linux errno gVisor's sentry returns
// for it (pkg/syserr TranslateNetstackError). ErrClosedForReceive has no
// errno (a read returns end-of-file) and maps to 0.
func Errno(err tcpip.Error) spec.Errno {
	switch err.(type) {
	case nil, *tcpip.ErrClosedForReceive:
		return errnoNoErrno
	case *tcpip.ErrUnknownProtocol, *tcpip.ErrAlreadyBound, *tcpip.ErrInvalidEndpointState,
		*tcpip.ErrInvalidOptionValue, *tcpip.ErrMalformedHeader, *tcpip.ErrInvalidPortRange,
		*tcpip.ErrMulticastInputCannotBeOutput, *tcpip.ErrMissingRequiredFields:
		return spec.EINVAL
	case *tcpip.ErrUnknownNICID, *tcpip.ErrUnknownDevice:
		return enodev
	case *tcpip.ErrUnknownProtocolOption:
		return spec.ENOPROTOOPT
	case *tcpip.ErrDuplicateNICID, *tcpip.ErrDuplicateAddress:
		return eexist
	case *tcpip.ErrHostUnreachable:
		return ehostunreach
	case *tcpip.ErrHostDown:
		return ehostdown
	case *tcpip.ErrNoNet:
		return enonet
	case *tcpip.ErrAlreadyConnecting:
		return spec.EALREADY
	case *tcpip.ErrAlreadyConnected:
		return spec.EISCONN
	case *tcpip.ErrNoPortAvailable, *tcpip.ErrWouldBlock:
		return spec.EAGAIN
	case *tcpip.ErrPortInUse:
		return spec.EADDRINUSE
	case *tcpip.ErrBadLocalAddress:
		return spec.EADDRNOTAVAIL
	case *tcpip.ErrClosedForSend, *tcpip.ErrAborted:
		return spec.EPIPE
	case *tcpip.ErrConnectionRefused:
		return spec.ECONNREFUSED
	case *tcpip.ErrTimeout:
		return spec.ETIMEDOUT
	case *tcpip.ErrConnectStarted:
		return spec.EINPROGRESS
	case *tcpip.ErrDestinationRequired:
		return edestaddrreq
	case *tcpip.ErrNotSupported:
		return spec.EOPNOTSUPP
	case *tcpip.ErrQueueSizeNotSupported:
		return enotty
	case *tcpip.ErrNotConnected:
		return spec.ENOTCONN
	case *tcpip.ErrConnectionReset:
		return spec.ECONNRESET
	case *tcpip.ErrConnectionAborted:
		return spec.ECONNABORTED
	case *tcpip.ErrNoSuchFile:
		return enoent
	case *tcpip.ErrBadAddress, *tcpip.ErrBadBuffer:
		return efault
	case *tcpip.ErrNetworkUnreachable:
		return enetunreach
	case *tcpip.ErrMessageTooLong:
		return emsgsize
	case *tcpip.ErrNoBufferSpace:
		return enobufs
	case *tcpip.ErrBroadcastDisabled:
		return eacces
	case *tcpip.ErrNotPermitted:
		return spec.EPERM
	case *tcpip.ErrAddressFamilyNotSupported:
		return eafnosupport
	case *tcpip.ErrEndpointBusy:
		return ebusy
	}
	return errnoFallback
}
