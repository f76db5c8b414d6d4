#!/bin/bash -eu
# Builds tcpclose's native Go fuzz targets as libFuzzer binaries for
# ClusterFuzzLite / OSS-Fuzz, with their seed corpora. See docs/fuzzing.md.
#
# compile_native_go_fuzzer renames the file holding a fuzz function from
# _test.go to _test_fuzz.go and compiles it with the package alone: the
# fuzz functions (fuzz/fuzz_test.go, fuzz/codec_test.go) therefore only
# call exported functions of package fuzz, and use f.Fuzz only (f.Add
# seeds are ignored there; the seed corpora are zipped below instead).
cd "$SRC/tcpclose"

# The shim that replaces "testing" in the renamed files must be in go.mod.
printf 'package fuzz\n\nimport _ "github.com/AdamKorcz/go-118-fuzz-build/testing"\n' > fuzz/register_oss_fuzz.go
go get github.com/AdamKorcz/go-118-fuzz-build/testing
go mod tidy

compile_native_go_fuzzer github.com/tcpclose/tcpclose/fuzz FuzzAgree fuzz_agree
compile_native_go_fuzzer github.com/tcpclose/tcpclose/fuzz FuzzSim fuzz_sim
compile_native_go_fuzzer github.com/tcpclose/tcpclose/fuzz FuzzScript fuzz_script
compile_native_go_fuzzer github.com/tcpclose/tcpclose/fuzz FuzzSegmentCodec fuzz_segment_codec

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
