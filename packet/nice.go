package packet

import (
	"fmt"
	"strconv"
	"strings"
)

// Niceness: 1..255, lower is more urgent. The named levels and the range
// of deltas each accepts follow NNCP so that CLI arguments and config
// values mean the same thing on both.
const (
	NiceFlash    uint8 = 32
	NicePriority uint8 = 96
	NiceNormal   uint8 = 160
	NiceBulk     uint8 = 224
	NiceMax      uint8 = 255
)

var niceNames = []struct {
	name  string
	short string
	value int
}{
	{"flash", "f", int(NiceFlash)},
	{"priority", "p", int(NicePriority)},
	{"normal", "n", int(NiceNormal)},
	{"bulk", "b", int(NiceBulk)},
}

// ParseNice parses a niceness: a decimal 1..255, a name (flash, priority,
// normal, bulk, max or their first letters) optionally followed by +N or
// -N (up to -31 and +32; bulk up to +31).
func ParseNice(s string) (uint8, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return 0, fmt.Errorf("niceness %q: empty", s)
	}
	if t == "max" {
		return NiceMax, nil
	}
	if n, err := strconv.Atoi(t); err == nil {
		if n < 1 || n > 255 {
			return 0, fmt.Errorf("niceness %q: must be 1..255", s)
		}
		return uint8(n), nil
	}
	for _, nn := range niceNames {
		var rest string
		switch {
		case strings.HasPrefix(t, nn.name):
			rest = t[len(nn.name):]
		case strings.HasPrefix(t, nn.short) && (len(t) == 1 || t[1] == '+' || t[1] == '-'):
			rest = t[1:]
		default:
			continue
		}
		if rest == "" {
			return uint8(nn.value), nil
		}
		if rest[0] != '+' && rest[0] != '-' {
			break
		}
		// Digits only: Atoi alone would take "flash++1" and "f+-0".
		d, err := strconv.Atoi(rest[1:])
		if err != nil || strings.TrimLeft(rest[1:], "0123456789") != "" {
			return 0, fmt.Errorf("niceness %q: bad delta", s)
		}
		if rest[0] == '-' {
			if d > 31 {
				return 0, fmt.Errorf("niceness %q: delta below -31", s)
			}
			return uint8(nn.value - d), nil
		}
		if d > 32 || nn.value+d > 255 {
			return 0, fmt.Errorf("niceness %q: delta too large", s)
		}
		return uint8(nn.value + d), nil
	}
	return 0, fmt.Errorf("niceness %q: want 1..255 or flash|priority|normal|bulk|max with optional +N/-N", s)
}

// NiceString renders a niceness the way NNCP prints it: F, P-3, B+30, MAX,
// or plain decimal where no name is within reach.
func NiceString(n uint8) string {
	if n == NiceMax {
		return "MAX"
	}
	v := int(n)
	for _, nn := range niceNames {
		d := v - nn.value
		if d == 0 {
			return strings.ToUpper(nn.short)
		}
		// 1, 65, 129 and 193 are one step beyond a name's reach and print plain.
		if d >= -30 && d < 0 {
			return fmt.Sprintf("%s%d", strings.ToUpper(nn.short), d)
		}
		if d > 0 && d <= 32 {
			return fmt.Sprintf("%s+%d", strings.ToUpper(nn.short), d)
		}
	}
	return strconv.Itoa(v)
}
