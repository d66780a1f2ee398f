package labtest_test

import (
	"flag"
	"testing"

	"github.com/ferry-dtn/ferry/internal/labtest"
)

// TestDefaultParallel: without -parallel on the command line the default
// is set; with it, the command line wins.
func TestDefaultParallel(t *testing.T) {
	f := flag.Lookup("test.parallel")
	old := f.Value.String()
	t.Cleanup(func() {
		if err := f.Value.Set(old); err != nil {
			t.Errorf("restoring -test.parallel: %v", err)
		}
	})
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	labtest.DefaultParallel(7)
	if want := map[bool]string{false: "7", true: old}[given]; f.Value.String() != want {
		t.Errorf("-parallel given %v: %s after DefaultParallel(7), want %s", given, f.Value.String(), want)
	}
}
