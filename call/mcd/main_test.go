package mcd

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when any goroutine outlives them:
// every goroutine has an owner that waits for it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
