// Command gencapture writes a large capture for measuring tcpclose check:
// many simulator runs of the built-in scenarios, with loss, on distinct
// 4-tuples, interleaved in time as concurrent connections would be.
//
//	go run ./tools/gencapture -runs 25000 -loss 0.05 -o big.pcap
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/cli"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/wire"
)

type pkt struct {
	at      time.Time
	frame   []byte
	comment string
}

func main() {
	runs := flag.Int("runs", 25000, "simulator runs (connections, plus reopened incarnations)")
	loss := flag.Float64("loss", 0.05, "loss probability on every link")
	batch := flag.Int("batch", 2000, "runs interleaved at once")
	spread := flag.Duration("spread", 20*time.Second, "runs of a batch start within this span")
	seed := flag.Uint64("seed", 1, "seed of the run mix")
	out := flag.String("o", "big.pcap", "output file (a name ending in .pcapng writes pcapng, lost packets marked in comments)")
	profs := flag.String("profiles", "rfc9293,linux,freebsd,gvisor", "profiles the runs draw from, comma-separated")
	flag.Parse()
	if err := generate(*out, *runs, *batch, *loss, *spread, *seed, strings.Split(*profs, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "gencapture:", err)
		os.Exit(1)
	}
}

func generate(path string, runs, batch int, loss float64, spread time.Duration, seed uint64, profiles []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	format := cli.PcapFormatFor(path)
	w, err := wire.NewWriter(f, format, wire.LinkEthernet)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	scenarios := []string{"normal", "half-close", "simultaneous", "abort", "unread-rst", "lost-final-ack", "timewait-reopen"}
	epoch := cli.DefaultPcapEpoch()
	total := 0
	for start := 0; start < runs; start += batch {
		var pkts []pkt
		for i := start; i < min(runs, start+batch); i++ {
			sc, _ := sim.LookupScenario(scenarios[rng.IntN(len(scenarios))])
			cfg, err := sc.Config(spec.MustProfile(profiles[rng.IntN(len(profiles))]), uint64(i)+1)
			if err != nil {
				return err
			}
			for l := range cfg.Net.Links {
				cfg.Net.Links[l].Loss = loss
			}
			cfg.Hosts, _ = sim.Hosts(sim.KindModel)
			res, err := sim.Run(cfg)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := cli.WritePcap(&buf, res.Trace, cli.PcapOptions{Epoch: epoch, Format: format}); err != nil {
				return err
			}
			off := time.Duration(start/batch)*spread + time.Duration(rng.Int64N(int64(spread)))
			if err := collect(&pkts, &buf, i, off); err != nil {
				return err
			}
		}
		sort.SliceStable(pkts, func(a, b int) bool { return pkts[a].at.Before(pkts[b].at) })
		for _, p := range pkts {
			if err := w.Write(p.at, p.frame, p.comment); err != nil {
				return err
			}
		}
		total += len(pkts)
	}
	fmt.Fprintf(os.Stderr, "%s: %d runs, %d packets\n", path, runs, total)
	return w.Flush()
}

// collect reads one run's capture, moves its client to an address and
// port of its own (run i) and shifts it by off.
func collect(pkts *[]pkt, r io.Reader, i int, off time.Duration) error {
	rd, err := wire.NewReader(r)
	if err != nil {
		return err
	}
	client := netip.AddrFrom4([4]byte{10, 1 + byte(i>>16), byte(i >> 8), byte(i)})
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		ip, _ := wire.Unframe(rec.Link, rec.Data)
		p, err := wire.Decode(ip)
		if err != nil {
			return err
		}
		port := uint16(1024 + i%50000)
		if p.Seg.Src.Port == 40000 {
			p.Src = netip.AddrPortFrom(client, port)
		} else {
			p.Dst = netip.AddrPortFrom(client, port)
		}
		frame, _ := wire.AppendFrameHeader(nil, wire.LinkEthernet, wire.IPv4, p.Src.Addr(), p.Dst.Addr())
		if frame, err = wire.AppendPacket(frame, &p); err != nil {
			return err
		}
		*pkts = append(*pkts, pkt{rec.Time.Add(off), frame, rec.Comment})
	}
}
