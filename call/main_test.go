package call_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

// TestMain fails the package's tests when any goroutine outlives them:
// every goroutine has an owner that waits for it. Most tests wait on
// sessions' idle deadlines, so six run at once.
func TestMain(m *testing.M) {
	labtest.DefaultParallel(6)
	goleak.VerifyTestMain(m)
}
