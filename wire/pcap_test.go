package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/tcpclose/tcpclose/spec"
)

var allLinks = []LinkType{LinkNull, LinkEthernet, LinkRaw, LinkLoop, LinkLinuxSLL, LinkLinuxSLL2, LinkIPv4, LinkIPv6}

// frameOf builds a frame of link type lt carrying s over fam.
func frameOf(t testing.TB, lt LinkType, fam Family, s spec.Segment) []byte {
	t.Helper()
	p := Packet{Family: fam, Seg: s, IPID: 3}
	if fam == IPv4 {
		p.Src = netip.AddrPortFrom(s.Src.IP.Netip(), s.Src.Port)
		p.Dst = netip.AddrPortFrom(s.Dst.IP.Netip(), s.Dst.Port)
	} else {
		p.Src = netip.AddrPortFrom(netip.MustParseAddr("fe80::1"), s.Src.Port)
		p.Dst = netip.AddrPortFrom(netip.MustParseAddr("fe80::2"), s.Dst.Port)
	}
	b, err := AppendFrameHeader(nil, lt, fam, p.Src.Addr(), p.Dst.Addr())
	if err != nil {
		t.Fatal(err)
	}
	b, err = AppendPacket(b, &p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFraming(t *testing.T) {
	s := roundTripSegs[0]
	for _, lt := range allLinks {
		for _, fam := range []Family{IPv4, IPv6} {
			if (lt == LinkIPv4 && fam == IPv6) || (lt == LinkIPv6 && fam == IPv4) {
				continue
			}
			f := frameOf(t, lt, fam, s)
			ip, err := Unframe(lt, f)
			if err != nil {
				t.Fatalf("%s/%s: %v", lt, fam, err)
			}
			p, err := Decode(ip)
			if err != nil || p.Family != fam || p.Seg.Seq != s.Seq || p.Seg.Opts != s.Opts {
				t.Errorf("%s/%s: %+v, %v", lt, fam, p, err)
			}
			if _, err := Unframe(lt, f[:2]); lt != LinkRaw && lt != LinkIPv4 && lt != LinkIPv6 && !errors.Is(err, ErrTruncated) {
				t.Errorf("%s: short frame: %v", lt, err)
			}
		}
	}
	// Ethernet: 802.1Q tag, ARP; BSD null in the other byte order.
	eth := frameOf(t, LinkEthernet, IPv4, s)
	tagged := append(append(append([]byte(nil), eth[:12]...), 0x81, 0, 0, 5), eth[12:]...)
	if ip, err := Unframe(LinkEthernet, tagged); err != nil || !bytes.Equal(ip, eth[14:]) {
		t.Errorf("802.1Q: %v", err)
	}
	arp := append([]byte(nil), eth...)
	arp[12], arp[13] = 0x08, 0x06
	if _, err := Unframe(LinkEthernet, arp); !errors.Is(err, ErrNotIP) {
		t.Errorf("ARP: %v", err)
	}
	null := frameOf(t, LinkNull, IPv4, s)
	binary.BigEndian.PutUint32(null, 2)
	if _, err := Unframe(LinkNull, null); err != nil {
		t.Errorf("big-endian null: %v", err)
	}
	if _, err := Unframe(LinkType(147), eth); !errors.Is(err, ErrLinkType) {
		t.Errorf("user link type: %v", err)
	}
	// The cooked headers say what gopacket says they say.
	sll := frameOf(t, LinkLinuxSLL, IPv4, s)
	var l layers.LinuxSLL
	if err := l.DecodeFromBytes(sll, nil); err != nil || l.EthernetType != layers.EthernetTypeIPv4 || l.AddrLen != 6 {
		t.Errorf("SLL as gopacket reads it: %+v, %v", l, err)
	}
}

var t0 = time.Date(2026, 1, 1, 0, 0, 1, 123456789, time.UTC)

// writeCapture writes frames of every family on link type lt.
func writeCapture(t testing.TB, f Format, lt LinkType, comments bool) ([]byte, [][]byte) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, lt)
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	for i, s := range roundTripSegs {
		fam := IPv4
		if i%2 == 1 && lt != LinkIPv4 {
			fam = IPv6
		}
		if lt == LinkIPv6 {
			fam = IPv6
		}
		fr := frameOf(t, lt, fam, s)
		frames = append(frames, fr)
		c := ""
		if comments && i%3 == 0 {
			c = fmt.Sprintf("packet %d: %s", i+1, strings.Repeat("é", i))
		}
		if err := w.Write(t0.Add(time.Duration(i)*time.Millisecond), fr, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), frames
}

func TestCaptureRoundTrip(t *testing.T) {
	for _, f := range []Format{Pcap, Pcapng} {
		for _, lt := range allLinks {
			file, frames := writeCapture(t, f, lt, true)
			r, err := NewReader(bytes.NewReader(file))
			if err != nil {
				t.Fatalf("%s/%s: %v", f, lt, err)
			}
			if r.Format() != f {
				t.Errorf("format %s, want %s", r.Format(), f)
			}
			for i := 0; ; i++ {
				rec, err := r.Next()
				if err == io.EOF {
					if i != len(frames) {
						t.Errorf("%s/%s: %d records, want %d", f, lt, i, len(frames))
					}
					break
				}
				if err != nil {
					t.Fatalf("%s/%s: %v", f, lt, err)
				}
				wantT := t0.Add(time.Duration(i) * time.Millisecond)
				if f == Pcap {
					wantT = wantT.Truncate(time.Microsecond)
				}
				if rec.N != i+1 || rec.Link != lt || !bytes.Equal(rec.Data, frames[i]) || !rec.Time.Equal(wantT) || rec.OrigLen != len(frames[i]) {
					t.Errorf("%s/%s record %d: %+v", f, lt, i+1, rec)
				}
				wantC := ""
				if f == Pcapng && i%3 == 0 {
					wantC = fmt.Sprintf("packet %d: %s", i+1, strings.Repeat("é", i))
				}
				if rec.Comment != wantC {
					t.Errorf("%s/%s record %d: comment %q, want %q", f, lt, i+1, rec.Comment, wantC)
				}
			}
		}
	}
}

// TestPcapgoReadsOurs: gopacket's own readers read what the writer
// writes, the same frames at the same times.
func TestPcapgoReadsOurs(t *testing.T) {
	file, frames := writeCapture(t, Pcap, LinkEthernet, false)
	pr, err := pcapgo.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	for i := range frames {
		data, ci, err := pr.ReadPacketData()
		if err != nil || !bytes.Equal(data, frames[i]) || !ci.Timestamp.Equal(t0.Add(time.Duration(i)*time.Millisecond).Truncate(time.Microsecond)) {
			t.Fatalf("pcap record %d: %v %v", i+1, ci, err)
		}
	}
	file, frames = writeCapture(t, Pcapng, LinkEthernet, true)
	nr, err := pcapgo.NewNgReader(bytes.NewReader(file), pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	for i := range frames {
		data, ci, err := nr.ReadPacketData()
		if err != nil || !bytes.Equal(data, frames[i]) || !ci.Timestamp.Equal(t0.Add(time.Duration(i)*time.Millisecond)) {
			t.Fatalf("pcapng record %d: %v %v", i+1, ci, err)
		}
	}
	if _, _, err := nr.ReadPacketData(); err != io.EOF {
		t.Errorf("after the last: %v", err)
	}
}

// TestReaderBadFiles: every prefix of a file and every one-octet change
// of its headers reads without a panic; an error names the record.
func TestReaderBadFiles(t *testing.T) {
	if _, err := NewReader(strings.NewReader("unexpected")); err == nil || !strings.Contains(err.Error(), "neither pcap nor pcapng") {
		t.Errorf("text file: %v", err)
	}
	if _, err := NewReader(strings.NewReader("")); err == nil {
		t.Error("empty file read")
	}
	for _, f := range []Format{Pcap, Pcapng} {
		file, frames := writeCapture(t, f, LinkEthernet, true)
		for cut := 0; cut < len(file); cut += 1 + cut/128 {
			n, err := readAll(file[:cut])
			if err == nil && n == len(frames) {
				t.Fatalf("%s cut at %d: all records read", f, cut)
			}
			if err != nil && n > 0 && !strings.Contains(err.Error(), fmt.Sprintf("record #%d ", n+1)) {
				t.Fatalf("%s cut at %d: error does not name record #%d: %v", f, cut, n+1, err)
			}
		}
		for i := range min(len(file), 120) {
			for _, v := range []byte{0, 0xff, file[i] ^ 0x80} {
				bad := append([]byte(nil), file...)
				bad[i] = v
				_, _ = readAll(bad)
			}
		}
	}
	// A pcap record that claims 4 GB is refused without allocating it.
	file, _ := writeCapture(t, Pcap, LinkEthernet, false)
	binary.LittleEndian.PutUint32(file[24+8:], 0xfffffff0)
	binary.LittleEndian.PutUint32(file[24+12:], 0xfffffff0)
	if _, err := readAll(file); err == nil || !strings.Contains(err.Error(), "record #1 at offset 24") {
		t.Errorf("huge pcap record: %v", err)
	}
	// A pcapng block that claims 4 GB likewise.
	file, _ = writeCapture(t, Pcapng, LinkEthernet, false)
	epb := bytes.Index(file, []byte{6, 0, 0, 0})
	binary.LittleEndian.PutUint32(file[epb+4:], 0xfffffff0)
	if _, err := readAll(file); err == nil || !strings.Contains(err.Error(), "record #1 ") {
		t.Errorf("huge pcapng block: %v", err)
	}
}

func readAll(b []byte) (int, error) {
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
		if ip, err := Unframe(rec.Link, rec.Data); err == nil {
			_, _ = Decode(ip)
		}
	}
}

// Records yields every record, then stops; a truncated file yields its
// records and then the error, once.
func TestRecords(t *testing.T) {
	for _, f := range []Format{Pcap, Pcapng} {
		file, frames := writeCapture(t, f, LinkEthernet, false)
		for _, cut := range []int{0, 3} {
			r, err := NewReader(bytes.NewReader(file[:len(file)-cut]))
			if err != nil {
				t.Fatal(err)
			}
			n, errs := 0, 0
			for rec, err := range r.Records() {
				if err != nil {
					if errs++; errs > 1 {
						break
					}
					continue
				}
				n++
				if rec.N != n {
					t.Errorf("%s cut %d: record %d numbered %d", f, cut, n, rec.N)
				}
			}
			want, wantErrs := len(frames), 0
			if cut > 0 {
				want, wantErrs = len(frames)-1, 1
			}
			if n != want || errs != wantErrs {
				t.Errorf("%s cut %d: %d records and %d errors, want %d and %d", f, cut, n, errs, want, wantErrs)
			}
		}
	}
}
