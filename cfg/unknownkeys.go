package cfg

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// NNCP ignores keys it does not know, so a misspelt "incomming" silently
// leaves incoming files refused. ferry still accepts such a config (it
// must load what NNCP loads) but warns about each unknown key by its path,
// with the nearest key valid at that place as a hint. Keys of free-form
// maps (neigh and area names, exec handles, addrs names, mcd-send
// patterns, notify.exec targets, yggdrasil-aliases) are names: never
// unknown. Every key NNCP 8.8.2 reads is in the raw structs, ferry uses it
// or not, so none of them is warned about.

// Warning is something in the config that loads but is probably not
// what was meant.
type Warning struct {
	Path string // field path, e.g. neigh.bob.incomming
	Line int    // 1-based line of the key in the file
	Msg  string
}

func (w Warning) String() string { return fmt.Sprintf("line %d: %s: %s", w.Line, w.Path, w.Msg) }

// unknownKeys appends a warning for each key of t, at path with shape sh,
// that encoding/json would drop.
func (t *hjsonTree) unknownKeys(path string, sh *shape, ws []Warning) []Warning {
	if sh == nil { // a scalar, or the inside of an unknown key
		return ws
	}
	if !t.obj {
		for i, kid := range t.kids {
			if kid != nil {
				ws = kid.unknownKeys(path+"["+strconv.Itoa(i)+"]", sh.elem, ws)
			}
		}
		return ws
	}
	for i, key := range t.keys {
		name, kidShape := key, sh.elem
		if sh.fields != nil {
			f, known := sh.field(jsonKey(key))
			if !known {
				ws = append(ws, Warning{Path: printable(joinPath(path, key)), Line: t.lines[i], Msg: unknownKeyMsg(key, sh)})
				continue
			}
			name, kidShape = f.name, f.shape
		}
		if t.kids[i] != nil {
			ws = t.kids[i].unknownKeys(joinPath(path, name), kidShape, ws)
		}
	}
	return ws
}

// printable quotes a path holding a control character (a quoted key may
// hold a newline), so that a warning stays one line on a terminal.
func printable(p string) string {
	if strings.ContainsFunc(p, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(p)
	}
	return p
}

func unknownKeyMsg(key string, sh *shape) string {
	names := make([]string, 0, len(sh.fields))
	for _, f := range sh.fields {
		names = append(names, f.name)
	}
	// A key valid elsewhere is a surer sign than a near one here, unless
	// that is a single slip away.
	near := nearestKey(key, names)
	places := keyPlaces()[foldKey(jsonKey(key))]
	switch {
	case near != "" && (len(places) == 0 || editDistance(strings.ToLower(key), near) == 1):
		return "unknown key; did you mean " + near + "?"
	case len(places) > 0:
		return "unknown key here; it goes in " + strings.Join(places, " or ")
	}
	return "unknown key"
}

// keyPlaces lists, for each key, the objects it is valid in, such as
// neigh.NAME.calls[]: a key put one level off (a call's autotoss on the
// node) is then pointed to its place. Made on first use, not at every
// start of the program: only a config with an unknown key needs it.
var keyPlaces = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	var walk func(sh *shape, place string)
	walk = func(sh *shape, place string) {
		switch {
		case sh == nil:
		case sh.fields == nil && sh.list:
			walk(sh.elem, place+"[]")
		case sh.fields == nil:
			walk(sh.elem, place+".NAME")
		case sh.fields != nil:
			keys := make([]string, 0, len(sh.fields))
			for k := range sh.fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			at := place
			if at == "" {
				at = "the top level"
			}
			for _, k := range keys {
				f := sh.fields[k]
				m[k] = append(m[k], at)
				walk(f.shape, joinPath(place, f.name))
			}
		}
	}
	walk(configShape, "")
	for _, places := range m {
		sort.Strings(places)
	}
	return m
})

// nearestKey returns the candidate closest to key, if it is close enough
// to be a slip rather than another word: one edit for every three
// letters of the key (rounded up), at most 3. Ties go to the first in
// sort order.
func nearestKey(key string, candidates []string) string {
	key = strings.ToLower(key)
	limit := min(3, (len([]rune(key))+2)/3)
	sort.Strings(candidates)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := editDistance(key, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// the fewest insertions, deletions, substitutions and swaps of two
// neighbouring characters that turn one into the other.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	// rows i-2, i-1 and i of the table, each len(y)+1 long
	prev2, prev, cur := make([]int, len(y)+1), make([]int, len(y)+1), make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
