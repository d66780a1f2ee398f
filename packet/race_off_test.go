//go:build !race

package packet_test

const raceEnabled = false // see race_on_test.go
