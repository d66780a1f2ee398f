module github.com/ferry-dtn/ferry

go 1.26.0

require (
	filippo.io/edwards25519 v1.1.0
	github.com/flynn/noise v1.1.0
	github.com/hjson/hjson-go/v4 v4.6.0
	github.com/klauspost/compress v1.20.4
	github.com/spf13/pflag v1.1.0
	github.com/zeebo/blake3 v0.2.4
	go.etcd.io/bbolt v1.5.0
	go.uber.org/goleak v1.3.0
	golang.org/x/crypto v0.59.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
	lukechampine.com/blake3 v1.3.0
	rsc.io/qr v0.2.0
)

require github.com/klauspost/cpuid/v2 v2.0.12 // indirect
