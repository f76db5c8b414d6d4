//go:build linux

package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack/linux"
	"golang.org/x/sys/unix"
)

// kernelActor makes an experiment's calls on real sockets in a private
// namespace. Each side has its own descriptor numbers (3, 4, ...), as each
// model host has, mapped to the kernel's.
type kernelActor struct {
	ns    *linux.NetNS
	start time.Time
	fds   [2]map[int32]int
	mu    sync.Mutex
	calls []callRecord
}

func newKernelActor(ns *linux.NetNS) *kernelActor {
	return &kernelActor{ns: ns, start: time.Now(), fds: [2]map[int32]int{{}, {}}}
}

func (k *kernelActor) alloc(who side, r int) int32 {
	fd := int32(3)
	for {
		if _, used := k.fds[who][fd]; !used {
			k.fds[who][fd] = r
			return fd
		}
		fd++
	}
}

func (k *kernelActor) call(who side, c spec.Call) (int64, spec.Errno) {
	ret, errno := k.perform(who, c)
	k.mu.Lock()
	k.calls = append(k.calls, callRecord{At: k.elapsed(), Who: who, Call: c, Ret: ret, Err: errno})
	k.mu.Unlock()
	return ret, errno
}

func (k *kernelActor) perform(who side, c spec.Call) (int64, spec.Errno) {
	k.mu.Lock()
	r, ok := k.fds[who][c.FD]
	k.mu.Unlock()
	if c.Kind != spec.CallSocket && !ok {
		return -1, spec.EBADF
	}
	ret, errno := k.ns.Perform(r, c)
	if errno != spec.OK {
		return -1, errno
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	switch c.Kind {
	case spec.CallSocket, spec.CallAccept:
		ret = int64(k.alloc(who, int(ret)))
	case spec.CallClose:
		delete(k.fds[who], c.FD)
	}
	return ret, errno
}

func (k *kernelActor) sleep(d time.Duration) { time.Sleep(d) }

func (k *kernelActor) elapsed() time.Duration { return time.Since(k.start) }

// closeAll closes what the experiment left open.
func (k *kernelActor) closeAll() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i := range k.fds {
		for fd, r := range k.fds[i] {
			unix.Close(r)
			delete(k.fds[i], fd)
		}
	}
}

// lab is one experiment's kernel side: a namespace, an actor, a capture.
type lab struct {
	ns   *linux.NetNS
	k    *kernelActor
	cap  *capture
	pkts []packet
}

func newLab(capture bool, sysctls ...[2]string) (*lab, error) {
	ns, err := linux.NewNetNS()
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	for _, kv := range sysctls {
		if err := ns.SetSysctl(kv[0], kv[1]); err != nil {
			ns.Close()
			return nil, fmt.Errorf("lab: %w", err)
		}
	}
	l := &lab{ns: ns}
	if capture {
		if l.cap, err = startCapture(ns); err != nil {
			ns.Close()
			return nil, fmt.Errorf("lab: %w", err)
		}
	}
	l.k = newKernelActor(ns)
	return l, nil
}

// stopCapture ends the capture and keeps its packets.
func (l *lab) stopCapture() error {
	if l.cap == nil {
		return nil
	}
	pkts, err := l.cap.Stop()
	l.cap, l.pkts = nil, pkts
	return err
}

func (l *lab) close() {
	if l.cap != nil {
		l.cap.Stop()
	}
	l.k.closeAll()
	l.ns.Close()
}

// segments returns the captured TCP segments with the side that sent them.
func (l *lab) segments() []sentSeg {
	var out []sentSeg
	for _, p := range l.pkts {
		if !p.IsTCP {
			continue
		}
		from := client
		if p.Seg.Src.Port == srvPort {
			from = server
		}
		out = append(out, sentSeg{At: p.When.Sub(l.k.start), From: from, Seg: p.Seg})
	}
	return out
}

// savePcap writes the capture to opts.PcapDir/name.pcap, if opts asks for
// it, and lists the file in r.
func (l *lab) savePcap(opts Options, name string, r *Result) error {
	if opts.PcapDir == "" {
		return nil
	}
	path, err := l.writePcap(opts.PcapDir, name)
	if err != nil {
		return err
	}
	r.PcapFiles = append(r.PcapFiles, path)
	return nil
}

// writePcap writes the capture to dir/name.pcap.
func (l *lab) writePcap(dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("pcap: %w", err)
	}
	path := filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".pcap")
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("pcap: %w", err)
	}
	err = writePcap(f, l.pkts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("pcap %s: %w", path, err)
	}
	return path, nil
}
