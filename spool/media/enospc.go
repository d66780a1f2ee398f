package media

import (
	"errors"
	"syscall"
)

func isENOSPC(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
