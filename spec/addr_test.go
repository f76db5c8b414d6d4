package spec

import (
	"net/netip"
	"testing"
)

func TestAddrForms(t *testing.T) {
	v4 := IPv4(192, 0, 2, 1)
	if !v4.Is4() || v4.Is6() || v4.IsZero() || v4.String() != "192.0.2.1" || v4.As4() != [4]byte{192, 0, 2, 1} {
		t.Errorf("IPv4(192,0,2,1) = %v (Is4 %v Is6 %v)", v4, v4.Is4(), v4.Is6())
	}
	// The unspecified addresses of both families are the zero Addr.
	for _, s := range []string{"0.0.0.0", "::", "::ffff:0.0.0.0"} {
		a, err := ParseAddr(s)
		if err != nil || !a.IsZero() {
			t.Errorf("ParseAddr(%q) = %v, %v; want the zero Addr", s, a, err)
		}
	}
	if !IPv4(0, 0, 0, 0).IsZero() || (Addr{}).String() != "0.0.0.0" {
		t.Error("0.0.0.0 is not the zero Addr")
	}
	// An IPv4-mapped IPv6 address is the IPv4 address.
	m, err := ParseAddr("::ffff:192.0.2.1")
	if err != nil || m != v4 {
		t.Errorf("::ffff:192.0.2.1 = %v, %v; want %v", m, err, v4)
	}
	v6, err := ParseAddr("fd3d:fa7b:d17d::36")
	if err != nil || !v6.Is6() || v6.Is4() || v6.String() != "fd3d:fa7b:d17d::36" || v6.Netip() != netip.MustParseAddr("fd3d:fa7b:d17d::36") {
		t.Errorf("fd3d:fa7b:d17d::36 = %v, %v", v6, err)
	}
	if SameFamily(v4, v6) || !SameFamily(v4, IPv4(10, 0, 0, 1)) || !SameFamily(Addr{}, v6) || !SameFamily(Addr{}, v4) {
		t.Error("SameFamily wrong")
	}
	if _, err := ParseAddr("fe80::1%eth0"); err == nil {
		t.Error("a zone was accepted")
	}
}

func TestSockAddrParse(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"192.0.2.1:80", "192.0.2.1:80"},
		{"[fd3d:fa7b:d17d:8888::1]:8080", "[fd3d:fa7b:d17d:8888::1]:8080"},
		{"[::ffff:10.0.0.1]:9", "10.0.0.1:9"},
		{"0.0.0.0:0", "0.0.0.0:0"},
	} {
		a, err := ParseSockAddr(c.in)
		if err != nil || a.String() != c.out {
			t.Errorf("ParseSockAddr(%q) = %v, %v; want %s", c.in, a, err, c.out)
			continue
		}
		if b, err := ParseSockAddr(a.String()); err != nil || b != a {
			t.Errorf("%s does not parse back: %v %v", a, b, err)
		}
	}
	for _, bad := range []string{"192.0.2.1", "[fe80::1%eth0]:80", "x:1", "[::1]:70000"} {
		if _, err := ParseSockAddr(bad); err == nil {
			t.Errorf("ParseSockAddr(%q) accepted", bad)
		}
	}
}

// TestAddrOrder: IPv4 addresses keep their order (the model's connection
// order, hence its outputs, do not change), the unspecified address comes
// first, and IPv6 addresses order bytewise.
func TestAddrOrder(t *testing.T) {
	order := []string{"0.0.0.0", "10.0.0.1", "10.0.0.2", "192.0.2.1", "fd3d:fa7b:d17d::36", "fd3d:fa7b:d17d:8888::1"}
	for i := range order {
		for j := range order {
			a, _ := ParseAddr(order[i])
			b, _ := ParseAddr(order[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("%s.Compare(%s) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// TestInitialSeqIPv4Unchanged pins the ISN of an IPv4 tuple to its value
// before addresses grew to 16 bytes, and checks that IPv6 tuples hash
// their whole addresses.
func TestInitialSeqIPv4Unchanged(t *testing.T) {
	a := FourTuple{Local: SockAddr{IPv4(192, 168, 0, 1), 8080}, Remote: SockAddr{IPv4(192, 0, 2, 1), 40000}}
	if got := InitialSeq(1, a, 0); got != 0xc724128a {
		t.Errorf("InitialSeq = %#x, want %#x", uint32(got), 0xc724128a)
	}
	x, _ := ParseAddr("fd3d:fa7b:d17d::36")
	y, _ := ParseAddr("fd3d:fa7b:d17d:8888::1")
	z, _ := ParseAddr("fd3d:fa7b:d17e:8888::1") // same last 4 bytes as y
	b := FourTuple{Local: SockAddr{x, 8080}, Remote: SockAddr{y, 40000}}
	c := FourTuple{Local: SockAddr{x, 8080}, Remote: SockAddr{z, 40000}}
	if InitialSeq(1, b, 0) == InitialSeq(1, c, 0) {
		t.Error("the ISN of an IPv6 tuple ignores the high bytes of the address")
	}
}
