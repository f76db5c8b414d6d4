package wire

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"time"
)

// pcapng block types and option codes (draft-ietf-opsawg-pcapng).
const (
	ngBlockSHB       = 0x0a0d0d0a
	ngBlockIDB       = 1
	ngBlockPB        = 2 // obsolete packet block
	ngBlockSPB       = 3
	ngBlockEPB       = 6
	ngByteOrder      = 0x1a2b3c4d
	ngOptEnd         = 0
	ngOptComment     = 1
	ngOptIfTSResol   = 9
	ngOptIfTSOffset  = 14
	ngMaxBlock       = MaxRecord + 1<<16 // a packet block: the frame and its options
	ngMaxInterfaces  = 1 << 16
	ngDefaultTSResol = 6 // microseconds
)

// ngIface is what the reader keeps of an interface description.
type ngIface struct {
	link    LinkType
	snaplen uint32
	resol   uint8 // if_tsresol
	offset  int64 // if_tsoffset, seconds
}

// ngState is the pcapng reader's state: the section's byte order and
// interfaces, and a reusable block buffer.
type ngState struct {
	order      binary.ByteOrder
	ifaces     []ngIface
	body       []byte
	havePacket bool
	comment    []byte
}

// ngBlock reads one block; a packet block fills r.rec and sets havePacket.
func (r *Reader) ngBlock() error {
	s := &r.ng
	start := r.off
	bad := func(format string, a ...any) error {
		return fmt.Errorf("record #%d at offset %d: %w: %s", r.n+1, start, errBlock, fmt.Sprintf(format, a...))
	}
	head, err := r.br.Peek(12)
	if len(head) == 0 && err == io.EOF {
		return io.EOF
	}
	if len(head) < 8 {
		return fmt.Errorf("record #%d at offset %d: block header: %w", r.n+1, start, noEOF(err))
	}
	typ := binary.LittleEndian.Uint32(head)
	if typ == ngBlockSHB {
		if len(head) < 12 {
			return fmt.Errorf("record #%d at offset %d: section header: %w", r.n+1, start, noEOF(err))
		}
		switch {
		case binary.LittleEndian.Uint32(head[8:]) == ngByteOrder:
			s.order = binary.LittleEndian
		case binary.BigEndian.Uint32(head[8:]) == ngByteOrder:
			s.order = binary.BigEndian
		default:
			return bad("section header without a byte-order magic")
		}
		s.ifaces = s.ifaces[:0]
	} else if s.order == nil {
		return bad("block before the section header")
	}
	typ = s.order.Uint32(head)
	total := s.order.Uint32(head[4:])
	if total < 12 || total%4 != 0 {
		return bad("block type %#x of length %d", typ, total)
	}
	if _, err := r.br.Discard(8); err != nil {
		return fmt.Errorf("record #%d at offset %d: %w", r.n+1, start, noEOF(err))
	}
	n := int64(total) - 12
	switch typ {
	case ngBlockSHB, ngBlockIDB, ngBlockEPB, ngBlockSPB, ngBlockPB:
	default: // skip blocks that carry no packets, without holding them
		if _, err := r.br.Discard(int(n)); err != nil {
			return fmt.Errorf("record #%d at offset %d: block type %#x: %w", r.n+1, start, typ, noEOF(err))
		}
		return r.ngTrailer(start, total)
	}
	if n > ngMaxBlock {
		return bad("block type %#x of %d octets exceeds %d", typ, total, ngMaxBlock)
	}
	if cap(s.body) < int(n) {
		s.body = make([]byte, n, max(int(n), 1<<12))
	}
	b := s.body[:n]
	if _, err := io.ReadFull(r.br, b); err != nil {
		return fmt.Errorf("record #%d at offset %d: block type %#x: %w", r.n+1, start, typ, noEOF(err))
	}
	if err := r.ngTrailer(start, total); err != nil {
		return err
	}
	o := s.order
	switch typ {
	case ngBlockSHB:
		if len(b) < 16 {
			return bad("section header of %d octets", total)
		}
		if major := o.Uint16(b[4:]); major != 1 {
			return bad("pcapng version %d", major)
		}
	case ngBlockIDB:
		if len(b) < 8 {
			return bad("interface description of %d octets", total)
		}
		if len(s.ifaces) >= ngMaxInterfaces {
			return bad("more than %d interfaces", ngMaxInterfaces)
		}
		ifc := ngIface{link: LinkType(o.Uint16(b)), snaplen: o.Uint32(b[4:]), resol: ngDefaultTSResol}
		err := ngOptions(o, b[8:], func(code uint16, v []byte) error {
			switch {
			case code == ngOptIfTSResol && len(v) >= 1:
				ifc.resol = v[0]
				if (v[0]&0x80 == 0 && v[0] > 19) || v[0]&0x7f > 63 {
					return fmt.Errorf("timestamp resolution %#x", v[0])
				}
			case code == ngOptIfTSOffset && len(v) >= 8:
				ifc.offset = int64(o.Uint64(v))
			}
			return nil
		})
		if err != nil {
			return bad("interface description: %v", err)
		}
		s.ifaces = append(s.ifaces, ifc)
	case ngBlockEPB, ngBlockPB:
		if len(b) < 20 {
			return bad("packet block of %d octets", total)
		}
		var id uint32
		if typ == ngBlockEPB {
			id = o.Uint32(b)
		} else {
			id = uint32(o.Uint16(b))
		}
		if int(id) >= len(s.ifaces) {
			return bad("packet on interface %d of %d", id, len(s.ifaces))
		}
		ifc := &s.ifaces[id]
		ts := uint64(o.Uint32(b[4:]))<<32 | uint64(o.Uint32(b[8:]))
		capLen, origLen := o.Uint32(b[12:]), o.Uint32(b[16:])
		if int64(capLen) > int64(len(b)-20) {
			return bad("captured length %d exceeds the block", capLen)
		}
		padded := (int(capLen) + 3) &^ 3
		s.comment = s.comment[:0]
		if padded <= len(b)-20 {
			err := ngOptions(o, b[20+padded:], func(code uint16, v []byte) error {
				if code == ngOptComment {
					s.comment = append(s.comment, v...)
				}
				return nil
			})
			if err != nil {
				return bad("packet options: %v", err)
			}
		}
		r.ngPacket(start, ifc, ts, b[20:20+capLen], int(origLen))
	case ngBlockSPB:
		if len(b) < 4 {
			return bad("simple packet block of %d octets", total)
		}
		if len(s.ifaces) == 0 {
			return bad("simple packet before any interface")
		}
		ifc := &s.ifaces[0]
		origLen := o.Uint32(b)
		capLen := min(int64(origLen), int64(len(b)-4))
		if ifc.snaplen != 0 {
			capLen = min(capLen, int64(ifc.snaplen))
		}
		s.comment = s.comment[:0]
		r.ngPacket(start, ifc, math.MaxUint64, b[4:4+capLen], int(origLen))
	}
	return nil
}

// ngPacket fills r.rec with a packet; ts MaxUint64 means "no time".
func (r *Reader) ngPacket(start int64, ifc *ngIface, ts uint64, data []byte, origLen int) {
	r.n++
	r.rec = Record{N: r.n, Offset: start, Link: ifc.link, Data: data, OrigLen: max(origLen, len(data)), Comment: string(r.ng.comment)}
	if ts != math.MaxUint64 {
		r.rec.Time = ngTime(ts, ifc.resol, ifc.offset)
	}
	r.ng.havePacket = true
}

// ngTime converts a timestamp in units of the interface's resolution.
func ngTime(ts uint64, resol uint8, offset int64) time.Time {
	var sec, nsec uint64
	if resol&0x80 == 0 {
		unit := uint64(1)
		for range resol {
			unit *= 10
		}
		sec, frac := ts/unit, ts%unit
		if resol <= 9 {
			for range 9 - int(resol) {
				frac *= 10
			}
			nsec = frac
		} else {
			nsec = frac / (unit / 1e9)
		}
		return time.Unix(int64(sec)+offset, int64(nsec)).UTC()
	}
	k := resol & 0x7f
	sec = ts >> k
	frac := ts & (1<<k - 1)
	nsec = uint64(float64(frac) / float64(uint64(1)<<k) * 1e9)
	return time.Unix(int64(sec)+offset, int64(nsec)).UTC()
}

// ngTrailer reads the block's closing length and checks it.
func (r *Reader) ngTrailer(start int64, total uint32) error {
	t, err := r.br.Peek(4)
	if err != nil {
		return fmt.Errorf("record #%d at offset %d: block trailer: %w", r.n+1, start, noEOF(err))
	}
	if got := r.ng.order.Uint32(t); got != total {
		return fmt.Errorf("record #%d at offset %d: %w: block length %d, trailer says %d", r.n+1, start, errBlock, total, got)
	}
	r.br.Discard(4) //nolint:errcheck // peeked above
	r.off = start + int64(total)
	return nil
}

// ngOptions walks an options list, calling f for each option.
func ngOptions(o binary.ByteOrder, b []byte, f func(code uint16, v []byte) error) error {
	for len(b) >= 4 {
		code, l := o.Uint16(b), int(o.Uint16(b[2:]))
		if code == ngOptEnd {
			return nil
		}
		if 4+l > len(b) {
			return fmt.Errorf("option %d of %d octets overruns the block", code, l)
		}
		if err := f(code, b[4:4+l]); err != nil {
			return err
		}
		b = b[min(len(b), 4+(l+3)&^3):]
	}
	return nil
}

// appendSHB appends a little-endian section header block naming the
// writer.
func appendSHB(b []byte) []byte {
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, ngBlockSHB)
	b = binary.LittleEndian.AppendUint32(b, 0) // length, filled below
	b = binary.LittleEndian.AppendUint32(b, ngByteOrder)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint64(b, math.MaxUint64) // section length unknown
	b = appendOption(b, 4, []byte("tcpclose"))              // shb_userappl
	b = binary.LittleEndian.AppendUint32(b, 0)              // opt_endofopt
	return closeBlock(b, start)
}

// appendIDB appends an interface description block for link type lt
// with nanosecond timestamps.
func appendIDB(b []byte, lt LinkType) []byte {
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, ngBlockIDB)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(lt))
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint32(b, MaxRecord)
	b = appendOption(b, ngOptIfTSResol, []byte{9})
	b = binary.LittleEndian.AppendUint32(b, 0)
	return closeBlock(b, start)
}

// appendEPB appends an enhanced packet block on interface 0 with
// nanosecond time and, if comment is not empty, an opt_comment.
func appendEPB(b []byte, t time.Time, frame []byte, comment string) []byte {
	start := len(b)
	ts := uint64(t.UnixNano())
	b = binary.LittleEndian.AppendUint32(b, ngBlockEPB)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(ts>>32))
	b = binary.LittleEndian.AppendUint32(b, uint32(ts))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(frame)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(frame)))
	b = append(b, frame...)
	b = pad4(b, start)
	if comment != "" {
		for len(comment) > 0 { // an option holds at most 65535 octets
			n := min(len(comment), 0xfff0)
			b = appendOption(b, ngOptComment, []byte(comment[:n]))
			comment = comment[n:]
		}
		b = binary.LittleEndian.AppendUint32(b, 0)
	}
	return closeBlock(b, start)
}

func appendOption(b []byte, code uint16, v []byte) []byte {
	start := len(b)
	b = binary.LittleEndian.AppendUint16(b, code)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	return pad4(b, start)
}

func pad4(b []byte, start int) []byte {
	for (len(b)-start)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// closeBlock appends the trailing length and fills in the leading one.
func closeBlock(b []byte, start int) []byte {
	total := uint32(len(b) - start + 4)
	binary.LittleEndian.PutUint32(b[start+4:], total)
	return binary.LittleEndian.AppendUint32(b, total)
}
