package main

import (
	"log/slog"

	"golang.org/x/sys/unix"
)

// Open files a daemon needs: a few of its own (log, spool index,
// listener, the runtime's poller), one per pending connection, and for
// each session its socket, the packets it reads and writes, its rx and
// tx locks and what autotoss opens.
const (
	daemonBaseFiles   = 16
	filesPerSession   = 8
	filesPerHandshake = 1
)

// checkOpenFiles raises the soft limit on open files to the hard one and
// warns when the daemon's limits cannot fit under it. Go (1.19 and
// later) already raises the soft limit at start-up, silently, and gives
// programs it starts (exec handlers) the original one back; so here the
// limit is mostly found raised and left alone (calling Setrlimit would
// make children inherit the raised limit), and is raised only where the
// runtime did not. Past the limit accept fails with EMFILE, which the
// daemon survives (it backs off and retries), but callers wait.
func checkOpenFiles(log *slog.Logger, maxConn, maxPending int) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		log.Warn("cannot read the open-file limit", "who", "daemon", "err", err)
		return
	}
	from := lim.Cur
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &raised); err != nil {
			log.Warn("cannot raise the open-file limit", "who", "daemon", "soft", lim.Cur, "hard", lim.Max, "err", err)
		} else {
			lim = raised
		}
	}
	if from != lim.Cur {
		log.Info("open-file limit raised", "who", "daemon", "limit", lim.Cur, "was", from)
	} else {
		log.Info("open-file limit", "who", "daemon", "limit", lim.Cur, "hard", lim.Max)
	}
	need := uint64(daemonBaseFiles + maxConn*filesPerSession + maxPending*filesPerHandshake)
	if need > lim.Cur {
		fit := (int(lim.Cur) - daemonBaseFiles - maxPending*filesPerHandshake) / filesPerSession
		log.Warn("--maxconn does not fit the open-file limit: past it new connections wait (raise the hard limit, e.g. ulimit -Hn, or lower --maxconn)",
			"who", "daemon", "maxconn", maxConn, "maxpending", maxPending, "need", need, "limit", lim.Cur, "sessions-that-fit", max(0, fit))
	}
}
