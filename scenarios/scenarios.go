// Package scenarios is the project's scenario corpus: packetdrill-language
// scripts, one behaviour each, that say how TCP connections close and
// which rules decide it. They are the readable specification: every
// script names the rule IDs it exercises in its comments and lists the
// profiles it holds on (--tcpclose_profiles); package script's tests play
// each on the model, implstack's on the implementation, and the real-stack
// adapters replay them on Linux and gVisor.
//
// The scripts live in topic folders, scenarios/<topic>/<name>.pkt, and are
// embedded in the package, so every harness and `tcpclose check` (with no
// file argument) reads the same corpus without relative paths. All returns
// them in a stable order: by topic, then by file name.
package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed */*.pkt
var files embed.FS

// Dir is the corpus folder, relative to the repository root.
const Dir = "scenarios"

// Script is one scenario script of the corpus.
type Script struct {
	// Topic is the folder the script sits in ("close").
	Topic string
	// Name is its path inside the corpus ("close/passive-close.pkt"): the
	// key the expectation files of the real stacks use.
	Name string
	// Path is its path from the repository root
	// ("scenarios/close/passive-close.pkt"): what error messages name.
	Path string
	// Content is the script's text, the caller's own copy.
	Content []byte
}

// Test is the script's name without the .pkt suffix ("close/passive-close"),
// the name of its subtest in the harnesses.
func (s Script) Test() string { return strings.TrimSuffix(s.Name, ".pkt") }

// Topic is one folder of the corpus.
type Topic struct {
	Name string // the folder ("timewait")
	Doc  string // what its scripts are about, one line
}

// topics lists every topic folder with a line saying what it holds; a
// test fails when a folder is missing here or a topic has no folder.
var topics = []Topic{
	{"freebsd", "FreeBSD's close rules: the FIN resent on ACKs, tcp_twcheck's TIME-WAIT, old segments' ACKs, listener SYN,ACK and close"},
	{"delack", "delayed ACK: the FIN's ACK delayed (pingpong), quick ACKs, every second segment, TCP_QUICKACK"},
	{"close", "closing sequences: active, passive, simultaneous, half-close, unread data, blocking calls"},
	{"linux", "Linux behaviours that became profile fields in issue 13: no-ACK segments dropped first, RSTs after the FIN, old ACKs, errnos"},
	{"ipv6", "IPv6 (--ip_version=ipv6, ipv4-mapped-ipv6): closes, TIME-WAIT and RST over 16-byte addresses, the IPv6 MSS"},
	{"gvisor", "gVisor netstack's receive path: checks before the ACK after a close, segments without ACK, TIME-WAIT answers, no PAWS"},
	{"linger", "SO_LINGER: close() that waits, and {on, 0} aborts in every state"},
	{"open", "opening: SYN-SENT, SYN-RECEIVED, simultaneous open, refused connects, ephemeral ports"},
	{"rst", "RST arriving in every state: in-window, exact, challenge ACKs (RFC 5961), RFC 793"},
	{"seq", "segment acceptability: sequence and ACK checks, wrap-around, out-of-order and zero-window FINs"},
	{"syn", "a SYN in a synchronized state: challenge ACK, RFC 793 reset, SYN-RECEIVED"},
	{"timers", "retransmission: RTO formulas and clock ticks, backoff, linear SYN timeouts, loss probes, RTT samples; R2 give-up, user timeout, FIN-WAIT-2 timeout"},
	{"timewait", "TIME-WAIT: 2MSL, restarts, RST (RFC 1337), reopening by SYN (RFC 6191), bind and connect over it"},
	{"window", "window scaling (RFC 7323 §2) and the receive window's true size: negotiation, scaled windows both ways, acceptance beyond the advertised edge"},
}

// Topics returns the topic folders in order, each with its description.
func Topics() []Topic {
	return append([]Topic(nil), topics...)
}

// All returns every script of the corpus, by topic then file name.
func All() []Script {
	names, err := fs.Glob(files, "*/*.pkt")
	if err != nil {
		panic(err) // the pattern is a constant
	}
	sort.Strings(names)
	out := make([]Script, 0, len(names))
	for _, n := range names {
		s, err := Get(n)
		if err != nil {
			panic(err) // an embedded file that cannot be read
		}
		out = append(out, s)
	}
	return out
}

// Get returns the script named name inside the corpus
// ("close/passive-close.pkt"); a name with the "scenarios/" prefix is
// accepted too.
func Get(name string) (Script, error) {
	name = strings.TrimPrefix(path.Clean(name), Dir+"/")
	b, err := files.ReadFile(name)
	if err != nil {
		return Script{}, fmt.Errorf("scenarios: no script %s", name)
	}
	return Script{Topic: path.Dir(name), Name: name, Path: Dir + "/" + name, Content: b}, nil
}
