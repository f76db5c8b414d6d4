package capture_test

import (
	"bytes"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/capture"
	"github.com/tcpclose/tcpclose/wire"
)

// convert rewrites a capture in format f on link type lt, over IPv6 if
// v6 (the IPv4 addresses mapped into 2001:db8::/96), every frame cut to
// snap octets if snap > 0.
func convert(t *testing.T, b []byte, f wire.Format, lt wire.LinkType, v6 bool, snap int) []byte {
	t.Helper()
	r, err := wire.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := wire.NewWriter(&out, f, lt)
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ip, _ := wire.Unframe(rec.Link, rec.Data)
		p, err := wire.Decode(ip)
		if err != nil {
			t.Fatal(err)
		}
		if v6 {
			p.Family = wire.IPv6
			p.Src = netip.AddrPortFrom(to6(p.Src.Addr()), p.Src.Port())
			p.Dst = netip.AddrPortFrom(to6(p.Dst.Addr()), p.Dst.Port())
		}
		frame, err := wire.AppendFrameHeader(nil, lt, p.Family, p.Src.Addr(), p.Dst.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if frame, err = wire.AppendPacket(frame, &p); err != nil {
			t.Fatal(err)
		}
		if snap > 0 && len(frame) > snap {
			frame = frame[:snap]
		}
		if err := w.Write(rec.Time, frame, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func to6(a netip.Addr) netip.Addr {
	v4 := a.As4()
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 12: v4[0], 13: v4[1], 14: v4[2], 15: v4[3]})
}

// TestFormats: the same runs read as pcap and pcapng, on every link type,
// over IPv4 and IPv6, whole or cut to the headers by a snap length, give
// the same reports (addresses aside).
func TestFormats(t *testing.T) {
	links := []wire.LinkType{wire.LinkEthernet, wire.LinkLinuxSLL, wire.LinkLinuxSLL2, wire.LinkRaw, wire.LinkNull, wire.LinkLoop}
	for _, sc := range []string{"lost-final-ack", "timewait-reopen", "half-close", "abort"} {
		orig, _ := simCapture(t, sc, "linux", 3, 0.1, wire.Pcap)
		want := reports(t, orig)
		for _, f := range []wire.Format{wire.Pcap, wire.Pcapng} {
			for _, lt := range links {
				for _, v6 := range []bool{false, true} {
					for _, snap := range []int{0, 100} {
						got := reports(t, convert(t, orig, f, lt, v6, snap))
						if !reflect.DeepEqual(got, want) {
							t.Errorf("%s as %s/%s v6=%v snap=%d:\n got %q\nwant %q", sc, f, lt, v6, snap, got, want)
						}
					}
				}
			}
		}
	}
}

// reports are the text reports without the addresses.
func reports(t *testing.T, b []byte) []string {
	var out []string
	for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{}) {
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		_ = capture.WriteText(&sb, c)
		lines := strings.Split(sb.String(), "\n")
		for _, l := range lines {
			if strings.HasPrefix(l, "conn ") || strings.Contains(l, ":40000") || strings.Contains(l, ":8080") {
				continue
			}
			out = append(out, l)
		}
		out = append(out, c.State, c.Ends[capture.A].Verdict, c.Ends[capture.B].Verdict)
	}
	return out
}

// TestBadCapture: a cut or corrupt file reports the connections read so
// far, then one error naming the record; it never panics.
func TestBadCapture(t *testing.T) {
	orig, _ := simCapture(t, "normal", "linux", 1, 0, wire.Pcap)
	cut := orig[:len(orig)-7]
	n, errs := 0, 0
	for _, err := range capture.Judge(bytes.NewReader(cut), capture.Options{}) {
		if err != nil {
			errs++
			if !strings.Contains(err.Error(), "record #") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q does not name the record on one line", err)
			}
			continue
		}
		n++
	}
	if n != 1 || errs != 1 {
		t.Errorf("%d reports, %d errors; want the connection, then one error", n, errs)
	}
	for _, bad := range [][]byte{nil, []byte("not a capture at all"), orig[:30]} {
		for _, err := range capture.Judge(bytes.NewReader(bad), capture.Options{}) {
			if err == nil {
				t.Errorf("%q: a report from a bad file", bad)
			}
		}
	}
}
