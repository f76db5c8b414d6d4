package wire

import (
	"bytes"
	"io"
	"testing"
)

// FuzzDecode: decoding arbitrary bytes never panics; a whole packet that
// decodes encodes (canonically) to one that decodes to the same packet,
// and encoding that again gives the same bytes.
func FuzzDecode(f *testing.F) {
	for _, s := range roundTripSegs {
		b, err := EncodeIPv4(s, 1)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(frameOf(f, LinkRaw, IPv6, s))
	}
	f.Add([]byte{0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := RoundTrip(b); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzReader: reading an arbitrary capture file never panics, and never
// returns a record larger than MaxRecord.
func FuzzReader(f *testing.F) {
	for _, fm := range []Format{Pcap, Pcapng} {
		for _, lt := range []LinkType{LinkEthernet, LinkLinuxSLL2, LinkNull} {
			file, _ := writeCapture(f, fm, lt, true)
			f.Add(file)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		for {
			rec, err := r.Next()
			if err != nil {
				if err != io.EOF && err.Error() == "" {
					t.Fatal("empty error")
				}
				return
			}
			if len(rec.Data) > MaxRecord || rec.OrigLen < len(rec.Data) {
				t.Fatalf("record %d: %d octets, orig %d", rec.N, len(rec.Data), rec.OrigLen)
			}
			if ip, err := Unframe(rec.Link, rec.Data); err == nil {
				_ = RoundTrip(ip)
			}
		}
	})
}
