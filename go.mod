module github.com/tcpclose/tcpclose

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/google/gopacket v1.1.19
	github.com/leanovate/gopter v0.2.11
	golang.org/x/sys v0.49.0
	pgregory.net/rapid v1.3.0
)

require golang.org/x/net v0.8.0 // indirect
