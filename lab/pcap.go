package lab

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// pcapWriter writes the classic pcap format (what tcpdump -w writes),
// link type Ethernet. gopacket's pcapgo would do, but it pulls in
// golang.org/x/net, which this module does not require.
type pcapWriter struct{ w io.Writer }

const linkTypeEthernet = 1

func newPcapWriter(w io.Writer) (*pcapWriter, error) {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:4], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:6], 2)
	binary.LittleEndian.PutUint16(h[6:8], 4)
	binary.LittleEndian.PutUint32(h[16:20], 262144) // snaplen
	binary.LittleEndian.PutUint32(h[20:24], linkTypeEthernet)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("pcap header: %w", err)
	}
	return &pcapWriter{w: w}, nil
}

func (p *pcapWriter) write(when time.Time, frame []byte) error {
	var h [16]byte
	binary.LittleEndian.PutUint32(h[0:4], uint32(when.Unix()))
	binary.LittleEndian.PutUint32(h[4:8], uint32(when.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(h[8:12], uint32(len(frame)))
	binary.LittleEndian.PutUint32(h[12:16], uint32(len(frame)))
	if _, err := p.w.Write(h[:]); err != nil {
		return fmt.Errorf("pcap record: %w", err)
	}
	if _, err := p.w.Write(frame); err != nil {
		return fmt.Errorf("pcap record: %w", err)
	}
	return nil
}
