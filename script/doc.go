// Package script parses scenario scripts written in packetdrill's
// language (google's and FreeBSD's NPLab dialect) and plays them against a
// stack.Stack: the model, the
// optimized implementation or a real TCP stack. It is the parser and the
// runner only: it does not import the model (the caller builds it, as
// stack/oracle and the cli do) and the Stack interface lives in package
// stack.
//
// # Scripts
//
// A script is packetdrill's language (gtests/net/packetdrill/lexer.l and
// parser.y): free-form, whitespace and newlines insignificant, // and
// /* */ comments. It holds, in order:
//
//   - options, one or more per line: --name or --name=value. packetdrill's
//     --tolerance_usecs (default 4000) and --tolerance_percent (default
//     12.5) set the timing tolerance; --ip_version=ipv4 is accepted; the
//     other packetdrill options that do not change addresses are accepted
//     without effect (IgnoredOption). This project's own:
//     --tcpclose_profiles=rfc9293,rfc793 (the profiles the script must pass
//     on; rfc9293 when absent), --tcpclose_local_iss=N (the model's ISS,
//     spec.HostConfig.FixedISS; N > 0), --tcpclose_remote_isn=N (the peer's
//     ISN, added to inbound sequence numbers), and --tcpclose_set=Field=Value
//     (a spec.Profile override through SetField; repeatable).
//   - an optional untimed `shell command` before the first event, and one
//     after the last;
//   - events, each a time and an action.
//
// Times: absolute 0.100 or .1, relative +0.1, any time *, ranges 0.1~0.3
// and +0~+0.2 (* and ranges for outbound packets only), and blocking
// system calls start...end, as in "+0...0.2 read(4, ..., 1000) = 0" (the
// end is relative to the same point as a relative start). The first event
// is at time 0.
//
// Packets: "< [sport>dport] FLAGS seq:end(len) [ack N] [win N] [<options>]"
// inbound (win required) and the same with > outbound. FLAGS are S F R P U
// and . for ACK, E and W accepted and ignored, - for none (an extension
// for nonsense segments). Options: mss N, wscale N, sackOK, sack a:b...,
// TS val X ecr Y, nop, eol; <...> on an outbound packet leaves options
// unchecked.
//
// System calls, mapped onto spec.Call: socket(..., SOCK_STREAM,
// IPPROTO_TCP), bind, listen, accept, connect, read, write, recv and send
// (flags 0), shutdown, close, setsockopt and getsockopt with SO_REUSEADDR,
// SO_LINGER {onoff=N, linger=N}, SO_ERROR [ERRNO], TCP_USER_TIMEOUT,
// TCP_LINGER2, TCP_NODELAY, TCP_INFO {tcpi_state=STATE} and this project's
// TCP_R2 (R2 as a retransmission count), fcntl(fd, F_SETFL,
// O_RDWR|O_NONBLOCK). An address written ... is the script's (Script.Addrs:
// packetdrill's for its --ip_version, or --local_ip and --remote_ip; bind:
// Script.LocalAddr, connect: Script.ConnectAddr); an explicit
// {sa_family=AF_INET, sin_port=htons(P), sin_addr=inet_addr("A")} is
// accepted. Results are "= N", "= -1 ERRNO [(text)]" (errno and text on
// the result's line; the text is not checked).
//
// Shell commands in backquotes may span lines. No stack in this package
// runs them; a stack implementing Commander does. Sysctl settings in them
// ("sysctl -q net.ipv4.tcp_rfc1337=1", "echo 1 > /proc/sys/...") map
// through spec.Sysctls: profile fields are set in ModelSetup, the rest is
// reported (Result.Commands, RunOptions.Verbose, Setup.Notes) or, when the
// model cannot follow it, beyond the model.
//
// Text packetdrill itself rejects is a *ParseError naming file:line.
// Valid packetdrill the model cannot play (IPv6, UDP and ICMP lines, TCP
// Fast Open, unknown system calls and socket options, python other than
// tcpi_state assertions, ...) sets Event.Beyond: a run that reaches the
// line stops with Result.Beyond, "conforms up to line N; beyond the model
// from line N". NewReader and RunReader read and play a script as a
// stream. Parse never panics.
//
// # Running
//
// Run plays a script as packetdrill does: each line at its time, inbound
// segments injected, calls started, outbound segments matched in order
// against what the stack sends, within the tolerance. Sequence numbers
// are packetdrill's: absolute on SYN and SYN-ACK lines, relative to the
// ISNs after them, and every new listening socket's connection comes
// from a fresh remote port (see Run). Flags, sequence and acknowledgment
// numbers, payload length and addresses are always checked; PSH, the
// window and options only where the stack models them (stack.FieldModeller);
// timestamp values never. A field left open is counted and reported as
// unchecked, never failed. A segment no line expects, a call that returns
// other than scripted or at another time, and a segment that never comes
// are divergences; Run reports the first in Result.Divergence with the
// line, what the script expected, what the stack did, and, for an
// stack.Explainer, the rules the stack applied at that step with their
// summaries from the catalogue. Notices (spec.OutNotice) are recorded in
// the Result and never fail a script.
//
// ModelSetup builds the profile and spec.HostConfig a script asks for;
// stack.Virtual of model.New with them is the model the script expects
// (stack/oracle.ModelEntry builds it so). Optional interfaces of a stack
// (stack.Explainer, stack.FieldModeller, Commander) are found through
// wrappers with stack.As.
package script
