// Package linux drives the real Linux TCP stack for tcpclose.
//
// Everything happens inside a private network namespace that the package
// creates (NetNS): one OS thread is locked and moved into a fresh namespace
// with unshare(CLONE_NEWNET), and every socket, TUN device, netlink socket
// and sysctl write is made from that thread, so the host's network is never
// touched. Sockets keep the namespace they were created in, so once made
// they may be used from any goroutine.
//
// Stack implements stack.Stack: a TUN device carries the script's segments
// to the kernel as IPv4 packets and the kernel's replies back as
// spec.Segment values; socket calls are made for real with
// golang.org/x/sys/unix, blocking ones on their own goroutine. NetNS.Sockets
// lists sockets through netlink sock_diag, as ss(8) shows them, TIME-WAIT
// entries and their timers included; NetNS.SetSysctl sets
// net.* sysctls inside the namespace.
//
// Entry and QuickAckEntry are the registry's "linux" and "linux-quickack"
// stacks: a Stack configured from a spec.Profile through sysctls (Sysctls
// translates the fields that differ from the linux profile and notes the
// ones no sysctl sets), wrapped in stack.Real for judging against the
// model (package stack/oracle, `tcpclose run --stack linux`).
//
// The package needs Linux, root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and
// /dev/net/tun. Its tests skip, saying why, when these are missing.
package linux
