package explore

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// The visited set finds every fingerprint it holds, under the index it
// was given, across resizes, and no other.
func TestFPTable(t *testing.T) {
	var mem offheapCounter
	tb, err := newFPTable(&mem)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.free()
	const n = 200_000 // beyond the first resize (1<<16 slots)
	fp := func(i int) uint64 { return fingerprint(1, []byte{byte(i), byte(i >> 8), byte(i >> 16)}) }
	for i := 0; i < n; i++ {
		if tb.find(fp(i)) != -1 {
			t.Fatalf("state %d found before it was added", i)
		}
		j, err := tb.add(fp(i))
		if err != nil || j != int32(i) {
			t.Fatalf("add %d: %d, %v", i, j, err)
		}
	}
	for i := 0; i < n; i++ {
		if j := tb.find(fp(i)); j != int32(i) {
			t.Fatalf("find %d: %d", i, j)
		}
	}
	if tb.find(fp(n)) != -1 {
		t.Errorf("a fingerprint never added was found")
	}
	if mem.n.Load() <= 0 {
		t.Errorf("off-heap bytes not counted")
	}
	tb.free()
	if mem.n.Load() != 0 {
		t.Errorf("%d off-heap bytes left after free", mem.n.Load())
	}
}

// The fingerprint depends on every byte and on the key.
func TestFingerprintKeyed(t *testing.T) {
	p := []byte(strings.Repeat("tcpclose", 9))
	seen := map[uint64]bool{fingerprint(1, p): true}
	for i := range p {
		q := append([]byte(nil), p...)
		q[i] ^= 1
		if f := fingerprint(1, q); seen[f] {
			t.Fatalf("flipping byte %d does not change the fingerprint", i)
		} else {
			seen[f] = true
		}
	}
	if fingerprint(1, p) == fingerprint(2, p) || fingerprint(1, p[:8]) == fingerprint(1, p[:9]) {
		t.Errorf("key or length ignored")
	}
}

// TLC's optimistic estimate and the birthday bound.
func TestOmission(t *testing.T) {
	opt, bday := omission(1<<20, 1<<22)
	if want := float64(1<<20) * float64(3<<20) / math.Exp2(64); opt != want {
		t.Errorf("optimistic %g, want %g", opt, want)
	}
	if want := math.Exp2(40 - 65); bday != want {
		t.Errorf("birthday %g, want %g", bday, want)
	}
}

// The edge log gives back every edge, last first.
func TestEdgeLogBackward(t *testing.T) {
	l, err := newEdgeLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var want [][2]int32
	for from := int32(0); from < 300_000; from++ { // several blocks
		tos := []int32{from + 1, from / 2, from + 1_000_000}
		for _, to := range tos {
			want = append(want, [2]int32{from, to})
		}
		if err := l.group(from, tos); err != nil {
			t.Fatal(err)
		}
	}
	if len(l.blocks) < 2 {
		t.Fatalf("%d blocks: the test does not cross a block boundary", len(l.blocks))
	}
	var got [][2]int32
	if err := l.backward(func(f, to int32) { got = append(got, [2]int32{f, to}) }); err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
		got[i], got[j] = got[j], got[i]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("edges differ: %d read, %d written", len(got), len(want))
	}
}

// The queue returns its entries in order, from memory and from the
// spill file, and again after a reset.
func TestQueueSpills(t *testing.T) {
	q := &queue{dir: t.TempDir(), memBound: 100}
	defer q.close()
	for round := 0; round < 2; round++ {
		if err := q.reset(); err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := 0; i < 1000; i++ {
			e := strings.Repeat(string(rune('a'+(i+round)%26)), i%40)
			want = append(want, e)
			if err := q.push([]byte(e)); err != nil {
				t.Fatal(err)
			}
		}
		if q.spilled == 0 {
			t.Fatal("nothing spilled")
		}
		if err := q.startRead(); err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			got, err := q.next(nil)
			if err != nil || string(got) != w {
				t.Fatalf("round %d entry %d: %q, %v; want %q", round, i, got, err, w)
			}
		}
		if _, err := q.next(nil); err == nil {
			t.Errorf("round %d: entry beyond the end", round)
		}
	}
}

// A frontier entry cut short or holding an overlong varint makes the
// decoder report an error and read zeros, never panic; a whole entry
// decodes.
func TestDecoderCorrupt(t *testing.T) {
	for _, c := range []struct {
		name string
		p    []byte
		read func(*decoder) int64
	}{
		{"uvarint cut", []byte{0x80}, func(d *decoder) int64 { return int64(d.uvarint()) }},
		{"varint cut", []byte{0xff}, func(d *decoder) int64 { return d.varint() }},
		{"uvarint overlong", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, func(d *decoder) int64 { return int64(d.uvarint()) }},
		{"byte empty", nil, func(d *decoder) int64 { return int64(d.byte()) }},
	} {
		d := &decoder{p: c.p}
		if v := c.read(d); v != 0 || d.err == nil || !strings.Contains(d.err.Error(), "corrupt frontier") {
			t.Errorf("%s: read %d, err %v", c.name, v, d.err)
		}
	}
	d := &decoder{p: []byte{0xac, 0x02, 0x03}} // uvarint 300, varint -2
	if u, v := d.uvarint(), d.varint(); u != 300 || v != -2 || d.err != nil || len(d.p) != 0 {
		t.Errorf("decoded %d %d (err %v, %d bytes left), want 300 -2", u, v, d.err, len(d.p))
	}
}

// The interning table gives each distinct key one value and index, keeps
// the first value added under a key, and reports an index past its end.
func TestTableInterns(t *testing.T) {
	tb := table[string, chanSeg]{what: "segment"}
	setID := func(c *chanSeg, id uint32) { c.id = id }
	a := tb.add("a", chanSeg{enc: "a"}, setID)
	b := tb.add("b", chanSeg{enc: "b"}, setID)
	again := tb.add("a", chanSeg{enc: "a2"}, setID)
	if a.id != 0 || b.id != 1 || again != a || tb.len() != 2 {
		t.Fatalf("add: a %+v, b %+v, a again %+v, len %d", a, b, again, tb.len())
	}
	if c, ok := tb.lookup("b"); !ok || c != b {
		t.Errorf("lookup(b) = %+v, %t", c, ok)
	}
	if _, ok := tb.lookup("c"); ok {
		t.Error("lookup(c) found a value")
	}
	if c, err := tb.get(1); err != nil || c != b {
		t.Errorf("get(1) = %+v, %v", c, err)
	}
	if _, err := tb.get(2); err == nil || !strings.Contains(err.Error(), "corrupt frontier: segment 2 of 2") {
		t.Errorf("get(2): %v", err)
	}
}
