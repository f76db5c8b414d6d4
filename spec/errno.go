package spec

import "fmt"

// Errno is a socket-call error number. Values are those of Linux so that
// scripts written for Linux read naturally.
type Errno uint16

// Errno values the sockets layer returns.
const (
	OK            Errno = 0
	EPERM         Errno = 1
	EBADF         Errno = 9
	EAGAIN        Errno = 11
	EMFILE        Errno = 24
	EINVAL        Errno = 22
	EPIPE         Errno = 32
	ENOPROTOOPT   Errno = 92
	EOPNOTSUPP    Errno = 95
	EAFNOSUPPORT  Errno = 97
	EADDRINUSE    Errno = 98
	EADDRNOTAVAIL Errno = 99
	ECONNABORTED  Errno = 103
	ECONNRESET    Errno = 104
	EISCONN       Errno = 106
	ENOTCONN      Errno = 107
	ETIMEDOUT     Errno = 110
	ECONNREFUSED  Errno = 111
	EALREADY      Errno = 114
	EINPROGRESS   Errno = 115
)

var errnoNames = map[Errno]string{
	OK: "OK", EPERM: "EPERM", EBADF: "EBADF", EAGAIN: "EAGAIN", EMFILE: "EMFILE", EINVAL: "EINVAL",
	EPIPE: "EPIPE", ENOPROTOOPT: "ENOPROTOOPT", EOPNOTSUPP: "EOPNOTSUPP", EAFNOSUPPORT: "EAFNOSUPPORT",
	EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL", ECONNABORTED: "ECONNABORTED",
	ECONNRESET: "ECONNRESET", EISCONN: "EISCONN", ENOTCONN: "ENOTCONN",
	ETIMEDOUT: "ETIMEDOUT", ECONNREFUSED: "ECONNREFUSED", EALREADY: "EALREADY",
	EINPROGRESS: "EINPROGRESS",
}

var errnoText = map[Errno]string{
	EPERM: "Operation not permitted", EBADF: "Bad file descriptor", EAGAIN: "Resource temporarily unavailable",
	EMFILE: "Too many open files", EINVAL: "Invalid argument", EPIPE: "Broken pipe",
	ENOPROTOOPT: "Protocol not available", EOPNOTSUPP: "Operation not supported",
	EAFNOSUPPORT: "Address family not supported by protocol",
	EADDRINUSE:   "Address already in use", EADDRNOTAVAIL: "Cannot assign requested address",
	ECONNABORTED: "Software caused connection abort", ECONNRESET: "Connection reset by peer",
	EISCONN: "Transport endpoint is already connected", ENOTCONN: "Transport endpoint is not connected",
	ETIMEDOUT: "Connection timed out", ECONNREFUSED: "Connection refused",
	EALREADY: "Operation already in progress", EINPROGRESS: "Operation now in progress",
}

func (e Errno) String() string {
	if n, ok := errnoNames[e]; ok {
		return n
	}
	return fmt.Sprintf("Errno(%d)", uint16(e))
}

// Text is the strerror text, as packetdrill prints it after the name.
func (e Errno) Text() string { return errnoText[e] }

// ParseErrno accepts an errno name such as "ECONNRESET" (EWOULDBLOCK is an
// alias of EAGAIN).
func ParseErrno(s string) (Errno, error) {
	if s == "EWOULDBLOCK" {
		return EAGAIN, nil
	}
	for e, n := range errnoNames {
		if n == s {
			return e, nil
		}
	}
	return 0, fmt.Errorf("unknown errno %q", s)
}
