package journal

import "time"

// SetReopenCheck shortens the rotation check for a test; it returns the
// function that restores it.
func SetReopenCheck(d time.Duration) func() {
	old := reopenCheck
	reopenCheck = d
	return func() { reopenCheck = old }
}
