package main

import (
	"strings"

	"github.com/spf13/pflag"
)

// refuseSingleDash stops NNCP's spelling of long flags (-node, -nice,
// -cfg) before pflag reads it as a bundle of one-letter flags: to pflag,
// "-node bob" is -n with the value "ode" and then an argument "bob".
// ferry bundles no shorthands, so every single-dash word longer than one
// letter is refused, with the double-dash form as the hint when the
// command has such a flag. Values are skipped as pflag would take them,
// so "--via -" or "--minsize -1" are not mistaken for flags.
func refuseSingleDash(fs *pflag.FlagSet, args []string, stopAtPositional bool) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return nil
		case a == "-" || !strings.HasPrefix(a, "-"):
			if stopAtPositional {
				return nil
			}
			continue
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			if f := fs.Lookup(name); f != nil && !hasValue && f.NoOptDefVal == "" {
				i++ // the next word is this flag's value
			}
			continue
		}
		name, _, hasValue := strings.Cut(a[1:], "=")
		if len(name) == 1 {
			if f := fs.ShorthandLookup(name); f != nil && !hasValue && len(a) == 2 && f.NoOptDefVal == "" {
				i++
			}
			continue
		}
		if fs.Lookup(name) != nil {
			return usageErrorf("%s: single-dash long flag; did you mean --%s?", a, name)
		}
		return usageErrorf("%s: single-dash long flag; ferry's long flags take two dashes and its one-letter flags are not bundled", a)
	}
	return nil
}
