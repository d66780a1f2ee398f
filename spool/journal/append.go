package journal

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// appender appends records to the log file under the blocking flock on
// LOG.lock that NNCP's tools also take. Both files stay open between
// records: a busy call logs thousands of events a second, and two opens
// and closes per event cost more than the event's own write.
type appender struct {
	path        string
	reopenCheck time.Duration // see Options.ReopenCheck
	lock        *os.File
	log         *os.File
	checked     time.Time
}

// append writes one whole record; the caller serialises calls.
func (a *appender) append(rec string) error {
	closeErr, err := a.open()
	if err != nil {
		return errors.Join(err, closeErr)
	}
	if err := syscall.Flock(int(a.lock.Fd()), syscall.LOCK_EX); err != nil {
		return errors.Join(err, closeErr)
	}
	// Unlocking an open descriptor we locked cannot fail on Linux.
	defer func() { _ = syscall.Flock(int(a.lock.Fd()), syscall.LOCK_UN) }()
	_, err = a.log.WriteString(rec)
	return errors.Join(err, closeErr)
}

// open (re)opens the files when they are not open yet or the log path no
// longer names the file we hold. closeErr is the close of a log rotated
// away, which may be the first report of its last records lost: append
// still writes this record, then returns it.
func (a *appender) open() (closeErr, err error) {
	now := time.Now()
	if a.log != nil && now.Sub(a.checked) < a.reopenCheck {
		return nil, nil
	}
	a.checked = now
	if a.log != nil {
		held, err1 := a.log.Stat()
		named, err2 := os.Stat(a.path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return nil, nil
		}
		closeErr = a.close()
	}
	lock, err := os.OpenFile(a.path+".lock", os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		return closeErr, err
	}
	log, err := os.OpenFile(a.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
	if err != nil {
		_ = lock.Close() // a lock file: nothing written
		return closeErr, err
	}
	a.lock, a.log = lock, log
	return closeErr, nil
}

// close closes the log and its lock file; the error is the log's.
func (a *appender) close() error {
	var err error
	if a.log != nil {
		err = a.log.Close()
		_ = a.lock.Close() // a lock file: nothing written
		a.log, a.lock = nil, nil
	}
	return err
}
