package capture_test

import (
	"bytes"
	"testing"

	"github.com/tcpclose/tcpclose/capture"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/wire"
)

// BenchmarkJudge judges the captures of every scenario under every
// profile with 5% loss (60 small files of about 30 packets), one after
// another. Each file costs its reader's buffers (about 320 KiB), which
// dominate files this small; the throughput on a large file is measured
// with tools/gencapture (see the package's README in docs/capture.md).
func BenchmarkJudge(b *testing.B) {
	var files [][]byte
	packets := 0
	for _, sc := range sim.Scenarios() {
		for _, prof := range spec.ProfileNames() {
			f, _ := simCapture(b, sc.Name, prof, 1, 0.05, wire.Pcap)
			files = append(files, f)
			var st capture.Stats
			for range capture.Judge(bytes.NewReader(f), capture.Options{Stats: &st}) {
			}
			packets += st.TCP
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			for _, err := range capture.Judge(bytes.NewReader(f), capture.Options{}) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
	b.ReportMetric(float64(len(files))*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
