package labtest

import (
	"flag"
	"strconv"
)

// DefaultParallel makes a test binary run n parallel tests at once
// unless -parallel was given, for packages whose tests mostly wait (on
// other processes, peers, idle deadlines) rather than compute: there,
// more of them than there are CPUs keep the package's time near its CPU
// time. Call it from TestMain before m.Run; it parses the flags.
func DefaultParallel(n int) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if given {
		return
	}
	// test.parallel exists once testing's flags are registered, which
	// m.Run's caller has done; a failure means a Go that renamed it.
	if err := flag.Set("test.parallel", strconv.Itoa(n)); err != nil {
		panic("labtest: setting -test.parallel: " + err.Error())
	}
}
