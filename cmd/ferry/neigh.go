package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ferry-dtn/ferry/cfg"
)

// ferry neigh: neighbour cards and the config's neigh section. export
// prints this node's signed card; add checks one and writes the entry;
// set and rm change or drop an entry; list shows them. Edits are text
// edits (cfg/edit.go): the file keeps its comments and layout, and is
// replaced only once the result loads.

// neighFlags lists, per subcommand, the flags it takes beyond the
// common ones.
var neighFlags = map[string][]string{
	"export": {"name", "text", "addr", "qr"},
	"add":    {"incoming", "exec", "addr", "via", "freq"},
	"set":    {"incoming", "exec", "addr", "via", "freq"},
	"list":   {},
	"rm":     {},
}

// neighArgs is how many arguments each subcommand takes after its name.
var neighArgs = map[string]int{"export": 0, "add": 2, "set": 1, "list": 0, "rm": 1}

type neighOpts struct {
	name, text, incoming, via, freq string
	addrs, execs                    []string
	qr                              bool
}

func runNeigh(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("export [--name NAME] [--addr NAME=ADDR]... [--text TEXT] [--qr] | add NAME CARD|- [options] | set NAME options | rm NAME | list")
	g.takesArgs(1, 3)
	var o neighOpts
	fs.StringVar(&o.name, "name", "", "export: the node's `NAME` on the card (default: the host name)")
	fs.StringVar(&o.text, "text", "", "export: one line of `TEXT` on the card, shown to whoever adds it")
	fs.BoolVar(&o.qr, "qr", false, "export: draw the card as a QR code too")
	fs.StringArrayVar(&o.addrs, "addr", nil, "export, add, set: the address `NAME=ADDR` (repeatable; export's default: neigh.self.addrs; an empty ADDR drops NAME)")
	fs.StringVar(&o.incoming, "incoming", "", "add, set: accept the node's files into `DIR` (set: '' removes)")
	fs.StringArrayVar(&o.execs, "exec", nil, "add, set: let the node run `HANDLE=CMD`, CMD split at blanks (repeatable; set replaces exec)")
	fs.StringVar(&o.via, "via", "", "add, set: reach the node through `NODE,...` (set: '-' removes)")
	fs.StringVar(&o.freq, "freq", "", "add, set: let the node request files from `DIR` (set: '' removes freq)")
	if err := g.parse(args); err != nil {
		return err
	}
	sub := fs.Arg(0)
	want, ok := neighArgs[sub]
	if !ok {
		return usageErrorf("unknown neigh command %q: want export, add, set, rm or list", sub)
	}
	if fs.NArg()-1 != want {
		return usageErrorf("neigh %s takes %d arguments, got %d", sub, want, fs.NArg()-1)
	}
	var stray error
	fs.Visit(func(f *pflag.Flag) {
		if stray == nil && !slices.Contains(neighFlags[sub], f.Name) && !isCommonFlag(f.Name) {
			stray = usageErrorf("--%s does not apply to neigh %s", f.Name, sub)
		}
	})
	if stray != nil {
		return stray
	}
	w := g.Stdout
	switch sub {
	case "export":
		return neighExport(g, w, &o)
	case "list":
		return neighList(g, w)
	}
	if err := g.resolveCfg(); err != nil {
		return err
	}
	name := fs.Arg(1)
	var err error
	switch sub {
	case "add":
		err = neighAdd(g, w, fs, name, fs.Arg(2), &o)
	case "set":
		err = neighSet(g, w, fs, name, &o)
	case "rm":
		err = neighRm(g, w, name)
	}
	return editHint(err, g.cfgPath)
}

func isCommonFlag(name string) bool {
	switch name {
	case "cfg", "spool", "log", "quiet", "progress", "noprogress", "debug", "version", "help":
		return true
	}
	return false
}

// editHint says what to do with a config ferry does not edit.
func editHint(err error, path string) error {
	switch {
	case errors.Is(err, cfg.ErrEncrypted):
		return withHint(fmt.Errorf("neigh: %w", err), "decrypt it (ferry cfgenc -d %s > PLAIN), edit PLAIN, and encrypt it again (ferry cfgenc PLAIN > %s)", path, path)
	case errors.Is(err, cfg.ErrConfigDir):
		return withHint(fmt.Errorf("neigh: %w", err), "edit a file instead: ferry cfgdir --load %s > FILE; ferry neigh ... --cfg FILE; ferry cfgdir --cfg FILE --dump DIR", path)
	case err != nil:
		return fmt.Errorf("neigh: %w", err)
	}
	return nil
}

// splitPairs reads repeated KEY=VALUE flags in order; a later KEY
// replaces an earlier one, and an empty VALUE (allowed with emptyOK)
// drops KEY.
func splitPairs(flag string, vals []string, emptyOK bool) ([][2]string, error) {
	var out [][2]string
	for _, v := range vals {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" || (!emptyOK && val == "") {
			return nil, usageErrorf("--%s %q: want NAME=VALUE", flag, v)
		}
		out = slices.DeleteFunc(out, func(p [2]string) bool { return p[0] == k })
		if val != "" {
			out = append(out, [2]string{k, val})
		}
	}
	return out, nil
}

func addrList(vals []string) ([]cfg.CardAddr, error) {
	pairs, err := splitPairs("addr", vals, true)
	if err != nil {
		return nil, err
	}
	var out []cfg.CardAddr
	for _, p := range pairs {
		out = append(out, cfg.CardAddr{Name: p[0], Addr: p[1]})
	}
	return out, nil
}

func neighExport(g *globals, w *output, o *neighOpts) error {
	c, err := g.config()
	if err != nil {
		return err
	}
	if c.Self == nil {
		return withHint(fmt.Errorf("neigh export: %w", cfg.ErrNoPrivateKeys), "a card is signed with self.signprv: give the node's full config")
	}
	name := o.name
	if name == "" {
		if name, err = defaultNodeName(); err != nil {
			return withHint(fmt.Errorf("neigh export: %w", err), "give --name NAME")
		}
	}
	addrs, err := addrList(o.addrs)
	if err != nil {
		return err
	}
	if len(o.addrs) == 0 && c.Neigh["self"] != nil {
		self := c.Neigh["self"].Addrs
		for _, k := range sortedKeys(self) {
			addrs = append(addrs, cfg.CardAddr{Name: k, Addr: self[k]})
		}
	}
	card, err := cfg.NewCard(c.Self, name, addrs, o.text)
	if err != nil {
		return fmt.Errorf("neigh export: %w", err)
	}
	if o.qr {
		if err := writeQR(w, card); err != nil {
			return fmt.Errorf("neigh export --qr: %w", err)
		}
	}
	_, err = fmt.Fprintln(w, card)
	return err
}

// defaultNodeName is the host name up to its first dot, made a valid
// node name.
func defaultNodeName() (string, error) {
	h, err := os.Hostname()
	if err != nil {
		return "", err
	}
	h, _, _ = strings.Cut(h, ".")
	h = strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, h)
	return h, cfg.ValidNodeName(h)
}

// readCard takes the card from the argument or, for "-", from stdin:
// there, from the first "ferry1:" to the first blank line, so that a
// whole mail, or export --qr's drawing, can be piped in.
func readCard(stdin io.Reader, arg string) (*cfg.Card, error) {
	if arg != "-" {
		return cfg.ParseCard(arg)
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var text strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if text.Len() == 0 {
			i := strings.Index(strings.ToLower(line), cfg.CardPrefix)
			if i < 0 {
				continue
			}
			line = line[i:]
		} else if strings.TrimSpace(line) == "" {
			break
		}
		text.WriteString(line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read card from stdin: %w", err)
	}
	if text.Len() == 0 {
		return nil, errors.New("no card on stdin (want a line with " + cfg.CardPrefix + "...)")
	}
	return cfg.ParseCard(text.String())
}

// neighEdit turns the add/set flags given into an edit.
func neighEdit(fs *pflag.FlagSet, o *neighOpts) (cfg.NeighEdit, error) {
	var e cfg.NeighEdit
	if fs.Changed("incoming") {
		e.Incoming = &o.incoming
	}
	if fs.Changed("freq") {
		e.FreqPath = &o.freq
	}
	if fs.Changed("via") {
		via := splitComma(o.via)
		if len(via) == 1 && via[0] == "-" {
			via = nil
		}
		e.SetVia(via)
	}
	if fs.Changed("exec") {
		pairs, err := splitPairs("exec", o.execs, true)
		if err != nil {
			return e, err
		}
		var h []cfg.ExecHandle
		for _, p := range pairs {
			h = append(h, cfg.ExecHandle{Handle: p[0], Argv: strings.Fields(p[1])})
		}
		e.SetExec(h)
	}
	if fs.Changed("addr") {
		a, err := addrList(o.addrs)
		if err != nil {
			return e, err
		}
		e.SetAddrs(a)
	}
	return e, nil
}

func neighAdd(g *globals, w *output, fs *pflag.FlagSet, name, arg string, o *neighOpts) error {
	card, err := readCard(g.Stdin, arg)
	if err != nil {
		return err
	}
	e, err := neighEdit(fs, o)
	if err != nil {
		return err
	}
	if fs.Changed("addr") { // --addr adds to the card's addresses
		a, err := addrList(append(cardAddrFlags(card), o.addrs...))
		if err != nil {
			return err
		}
		e.SetAddrs(a)
	}
	err = cfg.EditFile(g.cfgPath, func(b []byte) ([]byte, error) { return cfg.AddNeigh(b, name, card, e) },
		func(c *cfg.Config) error {
			if n := c.Neigh[name]; n == nil || n.ID != card.ID {
				return fmt.Errorf("neigh.%s: not read back from the edited file (a ferry bug)", name)
			}
			return nil
		})
	if err != nil {
		return err
	}
	if !g.quiet {
		fmt.Fprintf(w, "added %s (%s, card name %q) to %s\n", name, card.ID, card.Name, g.cfgPath)
	}
	return nil
}

func cardAddrFlags(c *cfg.Card) []string {
	var out []string
	for _, a := range c.Addrs {
		out = append(out, a.Name+"="+a.Addr)
	}
	return out
}

func neighSet(g *globals, w *output, fs *pflag.FlagSet, name string, o *neighOpts) error {
	e, err := neighEdit(fs, o)
	if err != nil {
		return err
	}
	if fs.NFlag() == 0 || !(fs.Changed("incoming") || fs.Changed("exec") || fs.Changed("addr") || fs.Changed("via") || fs.Changed("freq")) {
		return usageErrorf("neigh set %s: nothing to set (give --incoming, --exec, --addr, --via or --freq)", name)
	}
	err = cfg.EditFile(g.cfgPath, func(b []byte) ([]byte, error) { return cfg.SetNeigh(b, name, e) }, nil)
	if err != nil {
		return err
	}
	if !g.quiet {
		fmt.Fprintf(w, "changed %s in %s\n", name, g.cfgPath)
	}
	return nil
}

func neighRm(g *globals, w *output, name string) error {
	if name == "self" {
		return errors.New("neigh.self is this node's own entry, which every config needs")
	}
	if err := cfg.EditFile(g.cfgPath, func(b []byte) ([]byte, error) { return cfg.RemoveNeigh(b, name) }, nil); err != nil {
		return err
	}
	if !g.quiet {
		fmt.Fprintf(w, "removed %s from %s\n", name, g.cfgPath)
	}
	return nil
}

// neighList prints one line per neighbour: name, id, then what it may do.
func neighList(g *globals, w *output) error {
	c, err := g.config()
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(c.Neigh) {
		n := c.Neigh[name]
		line := []string{name, n.ID.String()}
		if n.NoisePub == nil {
			line = append(line, "no-noisepub")
		}
		if n.Incoming != "" {
			line = append(line, "incoming="+n.Incoming)
		}
		if len(n.Exec) > 0 {
			line = append(line, "exec="+joinComma(sortedKeys(n.Exec)))
		}
		if n.Freq.Path != "" {
			line = append(line, "freq="+n.Freq.Path)
		}
		if len(n.Via) > 0 {
			var via []string
			for _, v := range n.Via {
				via = append(via, c.NodeName(v))
			}
			line = append(line, "via="+joinComma(via))
		}
		for _, k := range sortedKeys(n.Addrs) {
			line = append(line, "addr."+k+"="+n.Addrs[k])
		}
		if _, err := fmt.Fprintln(w, strings.Join(line, " ")); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
