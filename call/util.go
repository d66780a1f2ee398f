package call

import (
	"os"
	"strconv"
	"time"

	"ferry/packet"
)

func b32(b []byte) string { return packet.B32.EncodeToString(b) }

// Deadline is NNCPDEADLINE, or 10 seconds.
func Deadline() time.Duration {
	if s := os.Getenv("NNCPDEADLINE"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return 10 * time.Second
}
