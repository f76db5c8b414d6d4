package explore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// This file holds what the search writes to disk: one fixed record per
// state (BFS parent, label, signature), the edges, and the part of the
// frontier beyond its memory bound. All of it is written sequentially and
// read back sequentially, except the records of the few states on a
// counterexample trace.

func tempFile(dir, what string) (*os.File, error) {
	f, err := os.CreateTemp(dir, "tcpclose-explore-"+what+"-*")
	if err != nil {
		return nil, fmt.Errorf("explore: %s file: %w", what, err)
	}
	return f, nil
}

func closeTemp(f *os.File) {
	if f != nil {
		name := f.Name()
		f.Close()
		os.Remove(name)
	}
}

// recordSize is the size of a state's record: parent (uint32, ^0 for the
// initial state), label (uint16), signature index (uint16).
const recordSize = 8

// records is the per-state record file. Its records are the BFS tree:
// shortest traces are rebuilt by following parents and replaying labels.
type records struct {
	f *os.File
	w *bufio.Writer
	n int64
}

func newRecords(dir string) (*records, error) {
	f, err := tempFile(dir, "parents")
	if err != nil {
		return nil, err
	}
	return &records{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

func (r *records) append(parent int32, l uint16, sig uint16) error {
	var b [recordSize]byte
	binary.LittleEndian.PutUint32(b[0:], uint32(parent))
	binary.LittleEndian.PutUint16(b[4:], l)
	binary.LittleEndian.PutUint16(b[6:], sig)
	r.n++
	_, err := r.w.Write(b[:])
	return err
}

func (r *records) flush() error {
	if err := r.w.Flush(); err != nil {
		return fmt.Errorf("explore: writing state records: %w", err)
	}
	return nil
}

// at reads state i's record (after flush).
func (r *records) at(i int32) (parent int32, l uint16, sig uint16, err error) {
	var b [recordSize]byte
	if _, err := r.f.ReadAt(b[:], int64(i)*recordSize); err != nil {
		return 0, 0, 0, fmt.Errorf("explore: reading state record %d: %w", i, err)
	}
	return int32(binary.LittleEndian.Uint32(b[0:])), binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:]), nil
}

// each calls fn for every record in order (after flush).
func (r *records) each(fn func(i int32, parent int32, sig uint16)) error {
	br := bufio.NewReaderSize(io.NewSectionReader(r.f, 0, r.n*recordSize), 1<<16)
	var b [recordSize]byte
	for i := int64(0); i < r.n; i++ {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return fmt.Errorf("explore: reading state records: %w", err)
		}
		fn(int32(i), int32(binary.LittleEndian.Uint32(b[0:])), binary.LittleEndian.Uint16(b[6:]))
	}
	return nil
}

func (r *records) close() { closeTemp(r.f) }

// edgeLog stores the edges on disk in blocks of groups (from, its
// successors), from increasing. Each block is encoded with varints: from,
// the number of successors, then each successor as a signed offset from
// from. The analysis reads the blocks backwards.
type edgeLog struct {
	f      *os.File
	buf    []byte
	blocks []edgeBlock
	off    int64
	n      int64 // edges
	// reading, kept across passes
	raw   []byte
	pairs []int32
}

type edgeBlock struct {
	off  int64
	size int32
}

const edgeBlockSize = 1 << 20

func newEdgeLog(dir string) (*edgeLog, error) {
	f, err := tempFile(dir, "edges")
	if err != nil {
		return nil, err
	}
	return &edgeLog{f: f, buf: make([]byte, 0, edgeBlockSize+1024)}, nil
}

// group records the edges from -> to for each to.
func (l *edgeLog) group(from int32, to []int32) error {
	if len(to) == 0 {
		return nil
	}
	l.buf = binary.AppendUvarint(l.buf, uint64(from))
	l.buf = binary.AppendUvarint(l.buf, uint64(len(to)))
	for _, t := range to {
		l.buf = binary.AppendVarint(l.buf, int64(t)-int64(from))
	}
	l.n += int64(len(to))
	if len(l.buf) >= edgeBlockSize {
		return l.flush()
	}
	return nil
}

func (l *edgeLog) flush() error {
	if len(l.buf) == 0 {
		return nil
	}
	if _, err := l.f.WriteAt(l.buf, l.off); err != nil {
		return fmt.Errorf("explore: writing edges: %w", err)
	}
	l.blocks = append(l.blocks, edgeBlock{l.off, int32(len(l.buf))})
	l.off += int64(len(l.buf))
	l.buf = l.buf[:0]
	return nil
}

// backward calls fn for every edge, blocks and groups in reverse order
// (the successors of one state in reverse too). fn returns false to stop.
func (l *edgeLog) backward(fn func(from, to int32)) error {
	if err := l.flush(); err != nil {
		return err
	}
	if l.raw == nil {
		l.raw = make([]byte, 0, edgeBlockSize+1024)
	}
	raw, pairs := l.raw, l.pairs
	defer func() { l.raw, l.pairs = raw, pairs }()
	for b := len(l.blocks) - 1; b >= 0; b-- {
		blk := l.blocks[b]
		raw = raw[:blk.size]
		if _, err := l.f.ReadAt(raw, blk.off); err != nil {
			return fmt.Errorf("explore: reading edges: %w", err)
		}
		pairs = pairs[:0]
		for p := raw; len(p) > 0; {
			from, k := binary.Uvarint(p)
			if k <= 0 {
				return errors.New("explore: corrupt edge block")
			}
			p = p[k:]
			cnt, k := binary.Uvarint(p)
			if k <= 0 {
				return errors.New("explore: corrupt edge block")
			}
			p = p[k:]
			for ; cnt > 0; cnt-- {
				d, k := binary.Varint(p)
				if k <= 0 {
					return errors.New("explore: corrupt edge block")
				}
				p = p[k:]
				pairs = append(pairs, int32(from), int32(int64(from)+d))
			}
		}
		for i := len(pairs) - 2; i >= 0; i -= 2 {
			fn(pairs[i], pairs[i+1])
		}
	}
	return nil
}

func (l *edgeLog) close() { closeTemp(l.f) }

// queue is a FIFO of encoded states: in memory up to memBound bytes, the
// rest in a temporary file. A level of the BFS is written to one queue
// while the previous level is read from another.
type queue struct {
	dir      string
	memBound int
	mem      []byte
	f        *os.File
	w        *bufio.Writer
	spilled  int64 // bytes in the file
	n        int   // entries
	// reading
	rpos int
	r    *bufio.Reader
}

func (q *queue) push(enc []byte) error {
	need := binary.MaxVarintLen32 + len(enc)
	if q.w == nil && len(q.mem)+need <= q.memBound {
		if q.mem == nil {
			q.mem = make([]byte, 0, q.memBound)
		}
		q.mem = binary.AppendUvarint(q.mem, uint64(len(enc)))
		q.mem = append(q.mem, enc...)
		q.n++
		return nil
	}
	if q.w == nil {
		if q.f == nil {
			f, err := tempFile(q.dir, "frontier")
			if err != nil {
				return err
			}
			q.f = f
		}
		q.w = bufio.NewWriterSize(q.f, 1<<16)
	}
	var lb [binary.MaxVarintLen32]byte
	k := binary.PutUvarint(lb[:], uint64(len(enc)))
	if _, err := q.w.Write(lb[:k]); err != nil {
		return fmt.Errorf("explore: spilling the frontier: %w", err)
	}
	if _, err := q.w.Write(enc); err != nil {
		return fmt.Errorf("explore: spilling the frontier: %w", err)
	}
	q.spilled += int64(k + len(enc))
	q.n++
	return nil
}

// startRead ends writing and starts reading from the first entry.
func (q *queue) startRead() error {
	q.rpos = 0
	q.r = nil
	if q.w != nil {
		if err := q.w.Flush(); err != nil {
			return fmt.Errorf("explore: spilling the frontier: %w", err)
		}
		q.r = bufio.NewReaderSize(io.NewSectionReader(q.f, 0, q.spilled), 1<<16)
	}
	return nil
}

// next appends the next entry to dst.
func (q *queue) next(dst []byte) ([]byte, error) {
	if q.rpos < len(q.mem) {
		n, k := binary.Uvarint(q.mem[q.rpos:])
		q.rpos += k
		dst = append(dst, q.mem[q.rpos:q.rpos+int(n)]...)
		q.rpos += int(n)
		return dst, nil
	}
	if q.r == nil {
		return dst, io.EOF
	}
	n, err := binary.ReadUvarint(q.r)
	if err != nil {
		return dst, err
	}
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	if _, err := io.ReadFull(q.r, dst[start:]); err != nil {
		return dst, fmt.Errorf("explore: reading the spilled frontier: %w", err)
	}
	return dst, nil
}

// reset empties the queue for writing, keeping its file.
func (q *queue) reset() error {
	q.mem = q.mem[:0]
	q.n, q.spilled, q.rpos, q.r, q.w = 0, 0, 0, nil, nil
	if q.f != nil {
		if err := q.f.Truncate(0); err != nil {
			return fmt.Errorf("explore: frontier file: %w", err)
		}
		if _, err := q.f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("explore: frontier file: %w", err)
		}
	}
	return nil
}

func (q *queue) close() { closeTemp(q.f) }
