package spool

import (
	"fmt"
	"strings"
)

// WrapPath wraps err from op on path ("op path: err"), unless err already
// names path: os errors carry it ("write P: no space left on device") and
// so do errors wrapped once already. Then the path is not said again:
// err is kept as it is when it already starts with op, else it gets "op: "
// in front. An empty op wraps as "path: err". Every layer can wrap this
// way without a message printing a path twice.
func WrapPath(op, path string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case !strings.Contains(msg, path):
		if op == "" {
			return fmt.Errorf("%s: %w", path, err)
		}
		return fmt.Errorf("%s %s: %w", op, path, err)
	case op == "" || strings.HasPrefix(msg, op+" ") || strings.HasPrefix(msg, op+":"):
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
