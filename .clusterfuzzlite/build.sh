#!/bin/bash -eu
# Builds tcpclose's native Go fuzz targets as libFuzzer binaries for
# ClusterFuzzLite / OSS-Fuzz, with their seed corpora. See docs/fuzzing.md.
#
# compile_native_go_fuzzer renames the file holding a fuzz function from
# _test.go to _test_fuzz.go and compiles it with the package alone: the
# fuzz functions (fuzz/fuzz_test.go, fuzz/codec_test.go, script/fuzz_test.go,
# sim/fuzz_test.go) therefore only call their own package's functions, and
# use f.Fuzz only (f.Add seeds are ignored there; the seed corpora are
# zipped below instead). Every fuzz target of the module is built; keep
# this list in step with tools/fuzz.sh.
cd "$SRC/tcpclose"

# The shim that replaces "testing" in the renamed files must be in go.mod.
printf 'package fuzz\n\nimport _ "github.com/AdamKorcz/go-118-fuzz-build/testing"\n' > fuzz/register_oss_fuzz.go
go get github.com/AdamKorcz/go-118-fuzz-build/testing
go mod tidy

compile_native_go_fuzzer github.com/tcpclose/tcpclose/fuzz FuzzAgree fuzz_agree
compile_native_go_fuzzer github.com/tcpclose/tcpclose/fuzz FuzzSim fuzz_sim
compile_native_go_fuzzer github.com/tcpclose/tcpclose/fuzz FuzzScript fuzz_script
compile_native_go_fuzzer github.com/tcpclose/tcpclose/fuzz FuzzSegmentCodec fuzz_segment_codec
compile_native_go_fuzzer github.com/tcpclose/tcpclose/script FuzzParse fuzz_parse
compile_native_go_fuzzer github.com/tcpclose/tcpclose/sim FuzzFaults fuzz_faults

# Seed corpora: the committed go test corpus files (fuzz/testdata/fuzz/),
# exported as the raw inputs libFuzzer reads, plus every scenario script
# for the script target. The register file is moved aside so that the
# plain go test build does not need the shim.
mv fuzz/register_oss_fuzz.go "$WORK/"
go test ./fuzz -run '^TestExportCorpus$' -export "$WORK/corpus" -count=1
mv "$WORK/register_oss_fuzz.go" fuzz/
find scenarios -name '*.pkt' -exec cp {} "$WORK/corpus/FuzzScript/" \;
zip -qj "$OUT/fuzz_agree_seed_corpus.zip" "$WORK"/corpus/FuzzAgree/*
zip -qj "$OUT/fuzz_sim_seed_corpus.zip" "$WORK"/corpus/FuzzSim/*
zip -qj "$OUT/fuzz_script_seed_corpus.zip" "$WORK"/corpus/FuzzScript/*
zip -qj "$OUT/fuzz_segment_codec_seed_corpus.zip" "$WORK"/corpus/FuzzSegmentCodec/*
# FuzzParse reads the scenario scripts; FuzzFaults, fault schedules of 4
# bytes each (sim/fuzz_test.go's f.Add seeds, written out raw).
mkdir -p "$WORK/corpus/FuzzParse" "$WORK/corpus/FuzzFaults"
find script/testdata/scenarios -name '*.pkt' -exec cp {} "$WORK/corpus/FuzzParse/" \;
printf '\x00\x02\x00\x00' > "$WORK/corpus/FuzzFaults/drop-ack"
printf '\x03\x01\x03\xe8' > "$WORK/corpus/FuzzFaults/delay-synack"
printf '\x04\x03\x27\x10\x01\x04\x00\x00' > "$WORK/corpus/FuzzFaults/dup-late-drop"
printf '\x02\x04\xff\xff\x05\x1e\x00\x01' > "$WORK/corpus/FuzzFaults/delay-beyond-msl"
zip -qj "$OUT/fuzz_parse_seed_corpus.zip" "$WORK"/corpus/FuzzParse/*
zip -qj "$OUT/fuzz_faults_seed_corpus.zip" "$WORK"/corpus/FuzzFaults/*
