package cfg

import (
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// Defaults shared with NNCP.
const (
	DefaultCfgPath        = "/usr/local/etc/nncp.hjson"
	DefaultSpool          = "/var/spool/nncp"
	DefaultLog            = "/var/spool/nncp/log"
	DefaultOnlineDeadline = 10 * time.Second
	DefaultFreqMaxSize    = int64(1) << 62
)

func key32(path, s string) ([32]byte, error) {
	var k [32]byte
	b, err := packet.DecodeKey(s, 32)
	if err != nil {
		if s == "" {
			return k, fieldErr(path, "missing")
		}
		return k, fieldErr(path, "%v", err)
	}
	copy(k[:], b)
	return k, nil
}

// optKey32 decodes an optional key: nil when absent.
func optKey32(path string, s *string) (*[32]byte, error) {
	if s == nil {
		return nil, nil
	}
	k, err := key32(path, *s)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

func absPath(path, p string) (string, error) {
	if !filepath.IsAbs(p) {
		return "", fieldErr(path, "must be an absolute path, got %q", p)
	}
	return filepath.Clean(p), nil
}

func build(raw *rawConfig, parts *rawParts, o LoadOptions) (*Config, error) {
	c := &Config{
		NoProgress: raw.NoProgress,
		NoHdr:      raw.NoHdr,
		AutoReass:  raw.AutoReass,
		Neigh:      map[string]*Node{},
		ByID:       map[packet.ID]*Node{},
		Areas:      map[string]*Area{},
		AreaByID:   map[packet.ID]*Area{},
	}
	var err error
	if raw.Spool == "" {
		return nil, fieldErr("spool", "missing")
	}
	if c.Spool, err = absPath("spool", raw.Spool); err != nil {
		return nil, err
	}
	switch {
	case raw.Log == "":
		return nil, fieldErr("log", "missing")
	case strings.HasPrefix(raw.Log, "FD:"):
		return nil, fieldErr("log", "FD:n is only accepted from --log or NNCPLOG")
	}
	if c.Log, err = absPath("log", raw.Log); err != nil {
		return nil, err
	}
	if c.Reserve, err = buildReserve(raw.Reserve); err != nil {
		return nil, err
	}
	if c.Ages, err = buildAges("ferry-age", raw.Ages, false); err != nil {
		return nil, err
	}
	if c.Quota, err = buildQuota("ferry-quota", raw.Quota); err != nil {
		return nil, err
	}
	if raw.Umask != "" {
		u, err := strconv.ParseUint(raw.Umask, 8, 32)
		if err != nil || u > 0o777 {
			return nil, fieldErr("umask", "want octal like \"022\", got %q", raw.Umask)
		}
		u32 := uint32(u)
		c.Umask = &u32
	}
	for i, re := range raw.MCDListen {
		r, err := regexp.CompilePOSIX(re)
		if err != nil {
			return nil, fieldErr("mcd-listen["+strconv.Itoa(i)+"]", "%v", err)
		}
		c.MCDListen = append(c.MCDListen, r)
	}
	for _, re := range sortedKeys(raw.MCDSend) {
		r, err := regexp.CompilePOSIX(re)
		if err != nil {
			return nil, fieldErr("mcd-send."+re, "%v", err)
		}
		if raw.MCDSend[re] <= 0 {
			return nil, fieldErr("mcd-send."+re, "interval must be a positive number of seconds")
		}
		c.MCDSend = append(c.MCDSend, MCDSend{Iface: r, Interval: time.Duration(raw.MCDSend[re]) * time.Second})
	}
	if raw.Self != nil {
		if c.Self, err = buildSelf(raw.Self); err != nil {
			return nil, err
		}
	}
	if _, ok := raw.Neigh["self"]; !ok {
		return nil, fieldErr("neigh.self", "missing: neigh must describe self too")
	}
	names := sortedKeys(raw.Neigh)
	rawNodes := map[string]*rawNode{}
	for _, name := range names {
		rn := parts.nodes[name]
		if rn == nil {
			rn = &rawNode{}
			if err := json.Unmarshal(raw.Neigh[name], rn); err != nil {
				return nil, jsonFieldErr(err, "neigh."+name)
			}
		}
		rawNodes[name] = rn
		n, err := buildNode(name, rn, o.onlineDeadline())
		if err != nil {
			return nil, err
		}
		c.Neigh[name] = n
	}
	// Self's id first, so that a neighbour sharing it is the one named.
	others := slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s == "self" })
	for _, name := range append([]string{"self"}, others...) {
		n := c.Neigh[name]
		if other, dup := c.ByID[n.ID]; dup {
			return nil, fieldErr("neigh."+name+".id", "same id as neigh.%s", other.Name)
		}
		if c.Self != nil && name != "self" && n.ID == c.Self.ID {
			return nil, fieldErr("neigh."+name+".id", "same id as self.id")
		}
		c.ByID[n.ID] = n
	}
	// via needs every node known first.
	for _, name := range names {
		p := "neigh." + name + ".via"
		if len(rawNodes[name].Via) > MaxVia {
			return nil, fieldErr(p, "%d relays, more than the %d a route may have", len(rawNodes[name].Via), MaxVia)
		}
		for i, v := range rawNodes[name].Via {
			n, err := c.FindNode(v)
			if err != nil {
				return nil, fieldErr(viaPath(name, i), "unknown node %q", v)
			}
			c.Neigh[name].Via = append(c.Neigh[name].Via, n.ID)
		}
	}
	if err := c.checkRoutes(names); err != nil {
		return nil, err
	}
	if err := c.applyExecRetry(raw, rawNodes); err != nil {
		return nil, err
	}
	for _, name := range names {
		if err := c.buildFailover(name, rawNodes[name]); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(raw.Areas) {
		ra := parts.areas[name]
		if ra == nil {
			ra = &rawArea{}
			if err := json.Unmarshal(raw.Areas[name], ra); err != nil {
				return nil, jsonFieldErr(err, "areas."+name)
			}
		}
		a, err := c.buildArea(name, ra)
		if err != nil {
			return nil, err
		}
		c.Areas[name] = a
		c.AreaByID[a.ID] = a
	}
	if raw.Notify != nil {
		c.Notify = buildNotify(raw.Notify)
	}
	return c, nil
}

func buildSelf(r *rawSelf) (*Self, error) {
	s := &Self{}
	var err error
	id, err := key32("self.id", r.ID)
	if err != nil {
		return nil, err
	}
	s.ID = packet.ID(id)
	if s.ExchPub, err = key32("self.exchpub", r.ExchPub); err != nil {
		return nil, err
	}
	if s.ExchPrv, err = key32("self.exchprv", r.ExchPrv); err != nil {
		return nil, err
	}
	sp, err := key32("self.signpub", r.SignPub)
	if err != nil {
		return nil, err
	}
	s.SignPub = ed25519.PublicKey(sp[:])
	prv, err := packet.DecodeKey(r.SignPrv, ed25519.PrivateKeySize)
	if err != nil {
		return nil, fieldErr("self.signprv", "%v", err)
	}
	s.SignPrv = ed25519.PrivateKey(prv)
	if s.NoisePrv, err = key32("self.noiseprv", r.NoisePrv); err != nil {
		return nil, err
	}
	if s.NoisePub, err = key32("self.noisepub", r.NoisePub); err != nil {
		return nil, err
	}
	return s, nil
}

func buildNode(name string, r *rawNode, onlineDeadline time.Duration) (*Node, error) {
	p := "neigh." + name + "."
	n := &Node{Name: name, Exec: r.Exec, Addrs: r.Addrs, OnlineDeadline: onlineDeadline}
	id, err := key32(p+"id", r.ID)
	if err != nil {
		return nil, err
	}
	n.ID = packet.ID(id)
	if n.ExchPub, err = key32(p+"exchpub", r.ExchPub); err != nil {
		return nil, err
	}
	sp, err := key32(p+"signpub", r.SignPub)
	if err != nil {
		return nil, err
	}
	n.SignPub = ed25519.PublicKey(sp[:])
	if n.NoisePub, err = optKey32(p+"noisepub", r.NoisePub); err != nil {
		return nil, err
	}
	if r.Incoming != nil {
		if n.Incoming, err = absPath(p+"incoming", *r.Incoming); err != nil {
			return nil, err
		}
	}
	n.Ferry = r.Ferry
	if r.Expire != nil {
		d, err := time.ParseDuration(*r.Expire)
		if err != nil || d < 0 {
			return nil, fieldErr(p+"ferry-expire", "want a duration such as 72h, not %q", *r.Expire)
		}
		n.Expire = d
	}
	if n.Ages, err = buildAges(p+"ferry-age", r.Ages, true); err != nil {
		return nil, err
	}
	if n.Quota, err = buildQuota(p+"ferry-quota", r.Quota); err != nil {
		return nil, err
	}
	for _, a := range sortedKeys(r.Addrs) {
		if isYggdrasil(r.Addrs[a]) {
			return nil, fieldErr(p+"addrs."+a, "%s", errYggdrasil)
		}
	}
	for h, argv := range r.Exec {
		if len(argv) == 0 || argv[0] == "" {
			return nil, fieldErr(p+"exec."+h, "empty command")
		}
	}
	n.Freq.MaxSize = DefaultFreqMaxSize
	if f := r.Freq; f != nil {
		if f.Path != nil {
			if n.Freq.Path, err = absPath(p+"freq.path", *f.Path); err != nil {
				return nil, err
			}
		}
		if f.Chunked != nil {
			if *f.Chunked == 0 {
				return nil, fieldErr(p+"freq.chunked", "must be above 0 (KiB)")
			}
			n.Freq.Chunked = kib(*f.Chunked)
		}
		if f.MinSize != nil {
			n.Freq.MinSize = kib(*f.MinSize)
		}
		if f.MaxSize != nil {
			n.Freq.MaxSize = kib(*f.MaxSize)
		}
	}
	if n.RxRate, err = rate(p+"rxrate", r.RxRate, 0); err != nil {
		return nil, err
	}
	if n.TxRate, err = rate(p+"txrate", r.TxRate, 0); err != nil {
		return nil, err
	}
	if r.OnlineDeadline != nil {
		if *r.OnlineDeadline == 0 {
			return nil, fieldErr(p+"onlinedeadline", "must be at least 1 second")
		}
		n.OnlineDeadline = time.Duration(*r.OnlineDeadline) * time.Second
	}
	if r.MaxOnlineTime != nil {
		n.MaxOnlineTime = time.Duration(*r.MaxOnlineTime) * time.Second
	}
	for i := range r.Calls {
		call, err := buildCall(p+"calls["+strconv.Itoa(i)+"].", &r.Calls[i], n)
		if err != nil {
			return nil, err
		}
		n.Calls = append(n.Calls, call)
	}
	return n, nil
}

func kib(v uint64) int64 {
	if v >= 1<<52 {
		return DefaultFreqMaxSize
	}
	return int64(v) * 1024
}

func rate(path string, v *int, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < 0 {
		return 0, fieldErr(path, "must not be negative")
	}
	return *v, nil
}

func buildCall(p string, r *rawCall, n *Node) (Call, error) {
	c := Call{
		Cron: strings.TrimSpace(r.Cron), Nice: packet.NiceMax, XX: strings.ToLower(r.XX),
		OnlineDeadline: n.OnlineDeadline,
		WhenTxExists:   r.WhenTxExists, NoCK: r.NoCK, MCDIgnore: r.MCDIgnore,
		AutoToss: r.AutoToss, AutoTossSeen: r.AutoTossDoSeen,
		AutoTossNoFile: r.AutoTossNoFile, AutoTossNoFreq: r.AutoTossNoFreq,
		AutoTossNoExec: r.AutoTossNoExec, AutoTossNoTrns: r.AutoTossNoTrns,
		AutoTossNoArea: r.AutoTossNoArea,
	}
	if c.Cron == "" {
		return c, fieldErr(p+"cron", "missing")
	}
	if r.Nice != nil {
		nice, err := packet.ParseNice(*r.Nice)
		if err != nil {
			return c, fieldErr(p+"nice", "%v", err)
		}
		c.Nice = nice
	}
	switch c.XX {
	case "", "rx", "tx":
	default:
		return c, fieldErr(p+"xx", "want rx or tx, got %q", r.XX)
	}
	var err error
	if c.RxRate, err = rate(p+"rxrate", r.RxRate, n.RxRate); err != nil {
		return c, err
	}
	if c.TxRate, err = rate(p+"txrate", r.TxRate, n.TxRate); err != nil {
		return c, err
	}
	if r.Addr != nil {
		c.Addr = *r.Addr
		if _, named := n.Addrs[c.Addr]; !named && isYggdrasil(c.Addr) {
			return c, fieldErr(p+"addr", "%s", errYggdrasil)
		}
	}
	if r.OnlineDeadline != nil {
		if *r.OnlineDeadline == 0 {
			return c, fieldErr(p+"onlinedeadline", "must be at least 1 second")
		}
		c.OnlineDeadline = time.Duration(*r.OnlineDeadline) * time.Second
	}
	// Like NNCP, a call's maxonlinetime does not inherit the node's.
	if r.MaxOnlineTime != nil {
		c.MaxOnlineTime = time.Duration(*r.MaxOnlineTime) * time.Second
	}
	return c, nil
}

func (c *Config) buildArea(name string, r *rawArea) (*Area, error) {
	p := "areas." + name + "."
	a := &Area{Name: name, Exec: r.Exec, AllowUnknown: r.AllowUnknown}
	id, err := key32(p+"id", r.ID)
	if err != nil {
		return nil, err
	}
	a.ID = packet.ID(id)
	if a.Pub, err = optKey32(p+"pub", r.Pub); err != nil {
		return nil, err
	}
	if r.Prv != nil && a.Pub == nil {
		return nil, fieldErr(p+"prv", "requires pub")
	}
	if a.Prv, err = optKey32(p+"prv", r.Prv); err != nil {
		return nil, err
	}
	if r.Incoming != nil {
		a.Incoming = filepath.Clean(*r.Incoming)
	}
	for i, s := range r.Subs {
		n, err := c.FindNode(s)
		if err != nil {
			return nil, fieldErr(p+"subs["+strconv.Itoa(i)+"]", "unknown node %q", s)
		}
		a.Subs = append(a.Subs, n.ID)
	}
	return a, nil
}

func buildNotify(r *rawNotify) Notify {
	conv := func(f *rawFromTo) *MailTo {
		if f == nil {
			return nil
		}
		return &MailTo{From: f.From, To: f.To}
	}
	n := Notify{File: conv(r.File), Freq: conv(r.Freq)}
	if len(r.Exec) > 0 {
		n.Exec = map[string]*MailTo{}
		for k, v := range r.Exec {
			n.Exec[k] = conv(v)
		}
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
