package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Format is a capture file format.
type Format uint8

// The capture formats the package reads and writes.
const (
	Pcap   Format = iota + 1 // classic libpcap (tcpdump -w)
	Pcapng                   // pcapng (Wireshark's default), with packet comments
)

func (f Format) String() string {
	switch f {
	case Pcap:
		return "pcap"
	case Pcapng:
		return "pcapng"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// MaxRecord is the largest captured frame a reader accepts (and the most
// it allocates for one): 256 KiB, tcpdump's default snap length.
const MaxRecord = 262144

// Record is one packet of a capture file.
type Record struct {
	N       int       // 1-based position among the packets of the file
	Offset  int64     // octet offset of the record in the file
	Time    time.Time // capture time (UTC)
	Link    LinkType
	Data    []byte // the captured octets; valid until the next Next
	OrigLen int    // the frame's length on the wire (≥ len(Data))
	Comment string // pcapng opt_comment, if any
}

// Reader reads the packets of a pcap or pcapng file, telling the two
// apart by their magic number. Classic pcap is read with gopacket's
// pcapgo; pcapng with this package's own reader, because pcapgo's (as of
// v1.1.19) keeps link types in a uint8 (LINKTYPE_LINUX_SLL2 is 276),
// drops packet comments, and allocates whatever a block claims.
type Reader struct {
	format Format
	br     *bufio.Reader
	n      int
	off    int64
	rec    Record
	// classic pcap
	pg   *pcapgo.Reader
	link LinkType
	// pcapng
	ng ngState
}

// NewReader reads the file header from r and returns a reader of its
// packets. An unknown magic number is a one-line error.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("capture header: %w", noEOF(err))
	}
	rd := &Reader{br: br}
	switch binary.LittleEndian.Uint32(magic) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		rd.format = Pcap
		h, err := br.Peek(24)
		if err != nil {
			return nil, fmt.Errorf("pcap header: %w", noEOF(err))
		}
		order := binary.ByteOrder(binary.LittleEndian)
		if m := binary.LittleEndian.Uint32(h); m == 0xd4c3b2a1 || m == 0x4d3cb2a1 {
			order = binary.BigEndian
		}
		rd.link = LinkType(order.Uint32(h[20:]) & 0xffff) // the upper bits may say FCS length
		if rd.pg, err = pcapgo.NewReader(br); err != nil {
			return nil, fmt.Errorf("pcap header: %w", err)
		}
		rd.pg.SetSnaplen(MaxRecord)
		rd.off = 24
	case ngBlockSHB:
		rd.format = Pcapng
		if err := rd.ngBlock(); err != nil { // the section header
			return nil, err
		}
	default:
		return nil, fmt.Errorf("capture header: magic %#08x is neither pcap nor pcapng", binary.BigEndian.Uint32(magic))
	}
	return rd, nil
}

// Format reports which format the file is in.
func (r *Reader) Format() Format { return r.format }

// Next returns the next packet, or io.EOF after the last. Any other error
// names the record (its number and offset) and ends the reading.
func (r *Reader) Next() (*Record, error) {
	if r.format == Pcap {
		data, ci, err := r.pg.ZeroCopyReadPacketData()
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("record #%d at offset %d: %w", r.n+1, r.off, noEOF(err))
		}
		r.n++
		r.rec = Record{N: r.n, Offset: r.off, Time: ci.Timestamp.UTC(), Link: r.link, Data: data, OrigLen: max(ci.Length, len(data))}
		r.off += 16 + int64(len(data))
		return &r.rec, nil
	}
	for {
		r.ng.havePacket = false
		if err := r.ngBlock(); err != nil {
			return nil, err
		}
		if r.ng.havePacket {
			return &r.rec, nil
		}
	}
}

// noEOF turns an end of file in the middle of something into
// io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Writer writes packets to a pcap or pcapng file.
type Writer struct {
	format Format
	link   LinkType
	bw     *bufio.Writer
	pg     *pcapgo.Writer
	buf    []byte
}

// NewWriter writes the file header of a capture of link type lt in
// format f to w and returns a writer for its packets. Call Flush at the
// end.
func NewWriter(w io.Writer, f Format, lt LinkType) (*Writer, error) {
	wr := &Writer{format: f, link: lt, bw: bufio.NewWriterSize(w, 1<<16)}
	switch f {
	case Pcap:
		wr.pg = pcapgo.NewWriter(wr.bw)
		if lt <= 0xff {
			if err := wr.pg.WriteFileHeader(MaxRecord, layers.LinkType(lt)); err != nil {
				return nil, fmt.Errorf("pcap header: %w", err)
			}
			break
		}
		// pcapgo's header takes a uint8 link type; write it here.
		h := make([]byte, 24)
		binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
		binary.LittleEndian.PutUint16(h[4:], 2)
		binary.LittleEndian.PutUint16(h[6:], 4)
		binary.LittleEndian.PutUint32(h[16:], MaxRecord)
		binary.LittleEndian.PutUint32(h[20:], uint32(lt))
		if _, err := wr.bw.Write(h); err != nil {
			return nil, fmt.Errorf("pcap header: %w", err)
		}
	case Pcapng:
		wr.buf = appendSHB(wr.buf[:0])
		wr.buf = appendIDB(wr.buf, lt)
		if _, err := wr.bw.Write(wr.buf); err != nil {
			return nil, fmt.Errorf("pcapng header: %w", err)
		}
	default:
		return nil, fmt.Errorf("capture: unknown format %d", f)
	}
	return wr, nil
}

// Write writes one frame captured at t. The comment goes into the
// pcapng record (Wireshark shows it as a packet comment); classic pcap
// has no place for it and drops it.
func (w *Writer) Write(t time.Time, frame []byte, comment string) error {
	if len(frame) > MaxRecord {
		return fmt.Errorf("capture: frame of %d octets exceeds %d", len(frame), MaxRecord)
	}
	if w.format == Pcap {
		ci := gopacket.CaptureInfo{Timestamp: t, CaptureLength: len(frame), Length: len(frame)}
		if err := w.pg.WritePacket(ci, frame); err != nil {
			return fmt.Errorf("pcap record: %w", err)
		}
		return nil
	}
	w.buf = appendEPB(w.buf[:0], t, frame, comment)
	if _, err := w.bw.Write(w.buf); err != nil {
		return fmt.Errorf("pcapng record: %w", err)
	}
	return nil
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error {
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	return nil
}

// errBlock is what a malformed pcapng block is reported as.
var errBlock = errors.New("malformed pcapng block")
