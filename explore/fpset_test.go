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
