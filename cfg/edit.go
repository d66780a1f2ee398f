package cfg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/hjson/hjson-go/v4"

	"github.com/ferry-dtn/ferry/packet"
)

// Editing a config as text, so that its comments and layout survive:
// ferry neigh add, set and rm. Each function takes the file's bytes and
// returns new bytes that differ only inside the one entry touched (and a
// comma where the file separates members with them). Positions come from
// scanHjson, which reads the file as hjson-go does; what is written is
// plain Hjson (quoted where a bare value could be misread), in the file's
// own indentation, and in JSON style when the file is JSON.

// NeighEdit is what neigh add and set write into an entry. A nil field is
// left alone; an empty non-nil one removes its key.
type NeighEdit struct {
	Incoming *string
	Exec     []ExecHandle // in the order given
	Addrs    []CardAddr
	Via      []string
	FreqPath *string // freq.path; "" removes the whole freq section

	execSet, addrsSet, viaSet bool
}

// ExecHandle is one neigh.NAME.exec entry.
type ExecHandle struct {
	Handle string
	Argv   []string
}

// SetExec, SetAddrs and SetVia mark the list as given, so that an empty
// one removes the key rather than leaving it alone.
func (e *NeighEdit) SetExec(h []ExecHandle) { e.Exec, e.execSet = h, true }
func (e *NeighEdit) SetAddrs(a []CardAddr)  { e.Addrs, e.addrsSet = a, true }
func (e *NeighEdit) SetVia(v []string)      { e.Via, e.viaSet = v, true }

// ErrNoNeigh is returned by SetNeigh and RemoveNeigh for a name the
// config does not have.
var ErrNoNeigh = errors.New("no such neighbour")

// hjMember is a member to write; val is a string, []string or []hjMember.
type hjMember struct {
	key string
	val any
}

// AddNeigh inserts neigh.NAME with the card's keys and e's keys, as the
// last entry of neigh (making neigh when the file has none).
func AddNeigh(data []byte, name string, card *Card, e NeighEdit) ([]byte, error) {
	if err := ValidNodeName(name); err != nil {
		return nil, err
	}
	root, err := scanForEdit(data)
	if err != nil {
		return nil, err
	}
	if ni := root.member("neigh"); ni >= 0 {
		neigh := root.kids[ni]
		if neigh == nil || !neigh.obj {
			return nil, fieldErr("neigh", "not an object")
		}
		if neigh.member(name) >= 0 {
			return nil, fieldErr("neigh."+name, "already there (ferry neigh set changes it, rm removes it)")
		}
	}
	b32 := packet.B32.EncodeToString
	entry := []hjMember{
		{"id", card.ID.String()},
		{"exchpub", b32(card.ExchPub[:])},
		{"signpub", b32(card.SignPub[:])},
		{"noisepub", b32(card.NoisePub[:])},
	}
	if len(card.Addrs) > 0 && !e.addrsSet {
		e.SetAddrs(card.Addrs)
	}
	entry = append(entry, e.members()...)
	if card.Text != "" { // inside the entry, so that rm takes it too
		entry = append([]hjMember{{"#", fmt.Sprintf("card of %s: %s", card.Name, card.Text)}}, entry...)
	}
	var out []byte
	if ni := root.member("neigh"); ni >= 0 {
		out = insertMember(data, styleOf(data, root), root.kids[ni], hjMember{name, entry})
	} else {
		out = insertMember(data, styleOf(data, root), root, hjMember{"neigh", []hjMember{{name, entry}}})
	}
	// What the text holds around the insertion (a comment left open at
	// the end of the file) could swallow it: read it back.
	if again, err := scanForEdit(out); err != nil || func() bool { _, err := findNeigh(again, name); return err != nil }() {
		return nil, fmt.Errorf("neigh.%s: the file's text does not take a new entry where it ends (a comment left open?): edit it by hand", name)
	}
	return out, nil
}

// members is e as entry members, for a new entry.
func (e *NeighEdit) members() []hjMember {
	var m []hjMember
	if e.Incoming != nil && *e.Incoming != "" {
		m = append(m, hjMember{"incoming", *e.Incoming})
	}
	if len(e.Exec) > 0 {
		m = append(m, hjMember{"exec", execMembers(e.Exec)})
	}
	if len(e.Addrs) > 0 {
		m = append(m, hjMember{"addrs", addrMembers(e.Addrs)})
	}
	if len(e.Via) > 0 {
		m = append(m, hjMember{"via", e.Via})
	}
	if e.FreqPath != nil && *e.FreqPath != "" {
		m = append(m, hjMember{"freq", []hjMember{{"path", *e.FreqPath}}})
	}
	return m
}

func execMembers(h []ExecHandle) []hjMember {
	var m []hjMember
	for _, x := range h {
		m = append(m, hjMember{x.Handle, x.Argv})
	}
	return m
}

func addrMembers(a []CardAddr) []hjMember {
	var m []hjMember
	for _, x := range a {
		m = append(m, hjMember{x.Name, x.Addr})
	}
	return m
}

// SetNeigh replaces, adds or removes the keys e names in neigh.NAME,
// leaving its other keys as they are.
func SetNeigh(data []byte, name string, e NeighEdit) ([]byte, error) {
	type change struct {
		path []string // key path inside the entry
		val  any      // nil: remove
	}
	var changes []change
	str := func(path []string, s *string) {
		if s == nil {
			return
		}
		if *s == "" {
			changes = append(changes, change{path[:1], nil})
		} else {
			changes = append(changes, change{path, *s})
		}
	}
	str([]string{"incoming"}, e.Incoming)
	if e.execSet {
		changes = append(changes, change{[]string{"exec"}, orNil(len(e.Exec) > 0, execMembers(e.Exec))})
	}
	if e.addrsSet {
		changes = append(changes, change{[]string{"addrs"}, orNil(len(e.Addrs) > 0, addrMembers(e.Addrs))})
	}
	if e.viaSet {
		changes = append(changes, change{[]string{"via"}, orNil(len(e.Via) > 0, e.Via)})
	}
	str([]string{"freq", "path"}, e.FreqPath)
	for _, ch := range changes {
		root, err := scanForEdit(data)
		if err != nil {
			return nil, err
		}
		entry, err := findNeigh(root, name)
		if err != nil {
			return nil, err
		}
		st, obj := styleOf(data, root), entry
		for i, key := range ch.path {
			j := obj.member(key)
			last := i == len(ch.path)-1
			switch {
			case last && ch.val == nil && j >= 0:
				data = removeMember(data, obj, j)
			case last && ch.val == nil:
			case last && j >= 0:
				data = replaceValue(data, st, obj, j, ch.val)
			case last:
				data = insertMember(data, st, obj, hjMember{key, ch.val})
			case j >= 0 && obj.kids[j] != nil && obj.kids[j].obj && obj.kids[j].open >= 0:
				obj = obj.kids[j]
				continue
			case j >= 0:
				return nil, fieldErr("neigh."+name+"."+key, "not an object")
			default: // make the missing object with the one key
				data = insertMember(data, st, obj, hjMember{key, []hjMember{{ch.path[i+1], ch.val}}})
			}
			break
		}
	}
	return data, nil
}

func orNil(ok bool, v any) any {
	if ok {
		return v
	}
	return nil
}

// RemoveNeigh removes neigh.NAME, with the lines it stood on.
func RemoveNeigh(data []byte, name string) ([]byte, error) {
	root, err := scanForEdit(data)
	if err != nil {
		return nil, err
	}
	if _, err := findNeigh(root, name); err != nil {
		return nil, err
	}
	neigh := root.kids[root.member("neigh")]
	return removeMember(data, neigh, neigh.member(name)), nil
}

// scanForEdit refuses what cannot be edited as text, and scans the rest.
func scanForEdit(data []byte) (*hjsonTree, error) {
	if IsEBlob(data) {
		return nil, ErrEncrypted
	}
	var generic any
	if err := hjson.Unmarshal(data, &generic); err != nil {
		return nil, syntaxError(data, err)
	}
	if _, ok := generic.(map[string]any); !ok {
		return nil, errors.New("hjson: the config must be an object")
	}
	return scanHjson(data)
}

func findNeigh(root *hjsonTree, name string) (*hjsonTree, error) {
	ni := root.member("neigh")
	if ni < 0 || root.kids[ni] == nil {
		return nil, fmt.Errorf("neigh.%s: %w", name, ErrNoNeigh)
	}
	j := root.kids[ni].member(name)
	if j < 0 {
		return nil, fmt.Errorf("neigh.%s: %w", name, ErrNoNeigh)
	}
	entry := root.kids[ni].kids[j]
	if entry == nil || !entry.obj || entry.open < 0 {
		return nil, fieldErr("neigh."+name, "not an object")
	}
	return entry, nil
}

// member is the index of key in an object, -1 when absent. Node names
// and handles are map keys and match exactly; the keys of the config's
// structs match ignoring case, as encoding/json reads them.
func (t *hjsonTree) member(key string) int {
	for i, k := range t.keys {
		if k == key {
			return i
		}
	}
	if !structKeys[key] {
		return -1
	}
	for i, k := range t.keys {
		if strings.EqualFold(k, key) {
			return i
		}
	}
	return -1
}

// structKeys are the keys edited here that encoding/json matches
// ignoring case.
var structKeys = map[string]bool{"neigh": true, "incoming": true, "exec": true, "addrs": true, "via": true, "freq": true, "path": true}

// lineStart is the offset of the start of the line holding off.
func lineStart(data []byte, off int) int {
	return bytes.LastIndexByte(data[:off], '\n') + 1
}

// indentAt is the blanks before off on its line, and whether only blanks
// come before it there.
func indentAt(data []byte, off int) (string, bool) {
	pre := data[lineStart(data, off):off]
	if len(bytes.TrimLeft(pre, " \t")) == 0 {
		return string(pre), true
	}
	return string(pre[:len(pre)-len(bytes.TrimLeft(pre, " \t"))]), false
}

// valueEnd is the end of member i's value, without trailing blanks.
func valueEnd(data []byte, t *hjsonTree, i int) int {
	end := t.ends[i]
	for end > t.vals[i] && (data[end-1] == ' ' || data[end-1] == '\t' || data[end-1] == '\r') {
		end--
	}
	return end
}

// style is how a file writes: its indent step and whether it is JSON.
type style struct {
	unit string
	json bool
}

// styleOf reads the style from the file's root object.
func styleOf(data []byte, t *hjsonTree) style {
	st := style{unit: "  "}
	if len(t.keys) > 0 {
		st.json = data[t.starts[0]] == '"'
	}
	// The first member that sits deeper than its object's own line gives
	// the step.
	var find func(t *hjsonTree, outer string) bool
	find = func(t *hjsonTree, outer string) bool {
		for i, kid := range t.kids {
			if !t.obj {
				break
			}
			in, ok := indentAt(data, t.starts[i])
			if ok && len(in) > len(outer) && strings.HasPrefix(in, outer) {
				st.unit = in[len(outer):]
				return true
			}
			if kid != nil && kid.obj && find(kid, in) {
				return true
			}
		}
		return false
	}
	find(t, "")
	return st
}

// memberIndent is where obj's members start their lines.
func memberIndent(data []byte, obj *hjsonTree, outer string, st style) string {
	for i := range obj.keys {
		if in, ok := indentAt(data, obj.starts[i]); ok {
			return in
		}
	}
	if obj.open < 0 {
		return ""
	}
	return outer + st.unit
}

// outerIndent is the indent of the line on which obj opens.
func outerIndent(data []byte, obj *hjsonTree) string {
	if obj.open < 0 {
		return ""
	}
	in, _ := indentAt(data, obj.open)
	return in
}

// insertMember adds m as obj's last member, in the file's style st.
func insertMember(data []byte, st style, obj *hjsonTree, m hjMember) []byte {
	if len(obj.keys) > 0 {
		st.json = data[obj.starts[0]] == '"'
	}
	outer := outerIndent(data, obj)
	in := memberIndent(data, obj, outer, st)
	text := in + renderMember(m, in, st) + "\n"
	var out []byte
	n := len(obj.keys)
	// A comma after the last member, when the object separates with
	// them; never after a bare value, which would swallow it.
	commaAt := -1
	if n > 0 && obj.commas[n-1] < 0 && obj.vals[n-1] < len(data) && strings.ContainsRune("{[\"'", rune(data[obj.vals[n-1]])) {
		uses := st.json
		for _, c := range obj.commas[:n-1] {
			uses = uses || c >= 0
		}
		if uses {
			commaAt = valueEnd(data, obj, n-1)
		}
	}
	at, pre, post := 0, "", ""
	switch {
	case obj.close < 0: // a root without braces: append
		at = len(data)
		if at > 0 && data[at-1] != '\n' {
			pre = "\n"
		}
	default:
		if _, alone := indentAt(data, obj.close); alone {
			at = lineStart(data, obj.close)
		} else { // `{}` or `{a: 1}` on one line: open it up
			at, pre, post = obj.close, "\n", outer
		}
	}
	if commaAt >= 0 {
		out = append(out, data[:commaAt]...)
		out = append(out, ',')
		out = append(out, data[commaAt:at]...)
	} else {
		out = append(out, data[:at]...)
	}
	out = append(out, pre...)
	out = append(out, text...)
	out = append(out, post...)
	return append(out, data[at:]...)
}

// replaceValue writes v over member i's value.
func replaceValue(data []byte, st style, obj *hjsonTree, i int, v any) []byte {
	st.json = data[obj.starts[i]] == '"'
	in, _ := indentAt(data, obj.starts[i])
	end := valueEnd(data, obj, i)
	var out []byte
	out = append(out, data[:obj.vals[i]]...)
	out = append(out, renderValue(v, in, st)...)
	return append(out, data[end:]...)
}

// removeMember cuts member i, and the line it stood on when it had one
// to itself (with a comment that ends that line).
func removeMember(data []byte, obj *hjsonTree, i int) []byte {
	from := obj.starts[i]
	if _, alone := indentAt(data, from); alone {
		from = lineStart(data, from)
	}
	to := obj.ends[i]
	if obj.commas[i] >= 0 {
		to = obj.commas[i] + 1
	}
	if from != lineStart(data, from) { // inline: the blanks after its comma go too
		for to < len(data) && (data[to] == ' ' || data[to] == '\t') {
			to++
		}
	}
	rest := data[to:]
	if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
		line := bytes.TrimLeft(rest[:nl], " \t\r")
		if len(line) == 0 || line[0] == '#' || bytes.HasPrefix(line, []byte("//")) {
			if from == lineStart(data, from) {
				to += nl + 1
			}
		}
	}
	// The last member gone: the comma before it goes too.
	if last := len(obj.keys) - 1; i == last && i > 0 && obj.commas[i] < 0 && obj.commas[i-1] >= 0 {
		c := obj.commas[i-1]
		return append(append(append([]byte(nil), data[:c]...), data[c+1:from]...), data[to:]...)
	}
	return append(append([]byte(nil), data[:from]...), data[to:]...)
}

var bareKey = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.-]+$`) })

// bareValue: what can be written unquoted and read back the same: ids
// and keys, and plain absolute paths.
var bareValue = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([A-Z2-7]+|/[A-Za-z0-9/._+-]*)$`) })

func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes, and a bytes.Buffer takes it
	return strings.TrimSuffix(b.String(), "\n")
}

func renderMember(m hjMember, in string, st style) string {
	key := m.key
	if st.json || !bareKey().MatchString(key) {
		key = quote(key)
	}
	return key + ": " + renderValue(m.val, in, st)
}

// renderValue writes v for a member indented by in: objects one member
// a line, lists on one line.
func renderValue(v any, in string, st style) string {
	switch v := v.(type) {
	case string:
		if !st.json && bareValue().MatchString(v) {
			return v
		}
		return quote(v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case []hjMember:
		sep := "\n"
		if st.json {
			sep = ",\n"
		}
		var lines []string
		for _, m := range v {
			switch {
			case m.key != "#":
				lines = append(lines, in+st.unit+renderMember(m, in+st.unit, st))
			case !st.json: // a comment line; JSON has none
				lines = append(lines, in+st.unit+"# "+m.val.(string))
			}
		}
		return "{\n" + strings.Join(lines, sep) + "\n" + in + "}"
	}
	panic(fmt.Sprintf("cfg: cannot render %T", v))
}
