module github.com/tcpclose/tcpclose

go 1.26
