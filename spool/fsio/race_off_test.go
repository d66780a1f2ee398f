//go:build !race

package fsio

const raceEnabled = false // see race_on_test.go
