package lab

import (
	"io"

	codec "github.com/tcpclose/tcpclose/wire"
)

// writePcap writes the captured Ethernet frames as a classic pcap file
// (what tcpdump -w writes), each at the time the kernel stamped on it.
func writePcap(w io.Writer, pkts []packet) error {
	pw, err := codec.NewWriter(w, codec.Pcap, codec.LinkEthernet)
	if err != nil {
		return err
	}
	for _, p := range pkts {
		if err := pw.Write(p.When, p.Frame, ""); err != nil {
			return err
		}
	}
	return pw.Flush()
}
