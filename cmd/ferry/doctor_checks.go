package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/packet"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/spool/journal"
)

// doctor holds one ferry doctor run: the checks below each add what
// they find. None of them writes anything, anywhere.
type doctor struct {
	c     *cfg.Config
	lim   doctorLimits
	now   time.Time
	found []finding
}

func (d *doctor) add(f finding) { d.found = append(d.found, f) }

func (d *doctor) selfID() packet.ID {
	if d.c.Self != nil {
		return d.c.Self.ID
	}
	return packet.ID{}
}

// examine runs every check: the config, the machine, then the spool.
func (d *doctor) examine() {
	d.checkSelf()
	for _, name := range sortedNeigh(d.c) {
		d.checkNeigh(name, d.c.Neigh[name])
	}
	d.checkLog()
	d.checkUmask()
	sp := d.openSpool()
	if sp == nil {
		return
	}
	d.checkSpoolWritable(sp)
	d.checkSpace(sp)
	d.checkTmp(sp)
	failing := d.tossFailures()
	nodes, err := sp.Nodes()
	if err != nil {
		d.add(finding{Kind: "spool-unreadable", Severity: sevError, Path: d.c.Spool, Message: err.Error(),
			Advice: "give the user running ferry read access to the spool"})
		return
	}
	for _, id := range nodes {
		d.checkQueues(sp, id, failing)
	}
	d.checkQuotas(sp) // doctor_quota.go
}

func sortedNeigh(c *cfg.Config) []string {
	names := make([]string, 0, len(c.Neigh))
	for n := range c.Neigh {
		if n != "self" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func (d *doctor) checkSelf() {
	if d.c.Self == nil {
		d.add(finding{Kind: "no-private-keys", Severity: sevWarning, Message: "the config has no self section: this node can neither toss, call nor answer calls",
			Advice: "use the full config (ferry cfgnew makes one); a cfgmin config is for sharing only"})
	}
}

// checkNeigh finds a neighbour's settings that cannot work.
func (d *doctor) checkNeigh(name string, n *cfg.Node) {
	if n.ExchPub == ([32]byte{}) {
		d.add(finding{Kind: "no-exchpub", Severity: sevError, Node: name, Message: "exchpub is all zeros: nothing can be encrypted to this node",
			Advice: fmt.Sprintf("copy neigh.%s.exchpub from the output of 'ferry cfgmin' on %s", name, name)})
	}
	if n.NoisePub == nil && (len(n.Addrs) > 0 || len(n.Calls) > 0) {
		d.add(finding{Kind: "no-noisepub", Severity: sevError, Node: name, Message: "addrs or calls are set but noisepub is not: calls to this node cannot be made",
			Advice: fmt.Sprintf("copy neigh.%s.noisepub from the output of 'ferry cfgmin' on %s", name, name)})
	}
	if n.Incoming != "" {
		if err := writableDir(n.Incoming); err != nil {
			d.add(finding{Kind: "incoming-dir", Severity: sevError, Node: name, Path: n.Incoming, Message: "incoming files cannot be delivered: " + err.Error(),
				Advice: fmt.Sprintf("mkdir -p %s and make it writable by the user running ferry toss", n.Incoming)})
		}
	}
	if n.Freq.Path != "" {
		if info, err := os.Stat(n.Freq.Path); err != nil || !info.IsDir() {
			msg := "not a directory"
			if err != nil {
				msg = err.Error()
			}
			d.add(finding{Kind: "freq-path", Severity: sevError, Node: name, Path: n.Freq.Path, Message: "file requests cannot be answered: " + msg,
				Advice: fmt.Sprintf("create %s or fix neigh.%s.freq.path", n.Freq.Path, name)})
		}
	}
	handles := make([]string, 0, len(n.Exec))
	for h := range n.Exec {
		handles = append(handles, h)
	}
	sort.Strings(handles)
	for _, h := range handles {
		argv := n.Exec[h]
		if len(argv) == 0 {
			d.add(finding{Kind: "exec-handler", Severity: sevError, Node: name, Message: fmt.Sprintf("exec handle %q has an empty command", h),
				Advice: fmt.Sprintf("give neigh.%s.exec.%s a command, or remove it", name, h)})
			continue
		}
		if _, err := exec.LookPath(argv[0]); err != nil {
			d.add(finding{Kind: "exec-handler", Severity: sevError, Node: name, Path: argv[0],
				Message: fmt.Sprintf("exec handle %q cannot run: %v", h, unwrapExec(err)),
				Advice:  fmt.Sprintf("install %s or fix neigh.%s.exec.%s (an absolute path to an executable)", argv[0], name, h)})
		}
	}
}

// unwrapExec drops exec's "exec: NAME:" prefix, since the finding names it.
func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// writableDir says why dir is not a directory this process can create
// files in, or nil.
func writableDir(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s: not a directory", dir)
	}
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return &os.PathError{Op: "write", Path: dir, Err: err}
	}
	return nil
}

func (d *doctor) checkLog() {
	if d.c.Log == "" || strings.HasPrefix(d.c.Log, "FD:") {
		return
	}
	err := unix.Access(d.c.Log, unix.W_OK)
	if errors.Is(err, unix.ENOENT) { // made on the first event: its directory must take it
		err = writableDir(filepath.Dir(d.c.Log))
	} else if err != nil {
		err = &os.PathError{Op: "write", Path: d.c.Log, Err: err}
	}
	if err != nil {
		d.add(finding{Kind: "log-unwritable", Severity: sevError, Path: d.c.Log, Message: "events cannot be logged: " + err.Error(),
			Advice: "make the log writable by the user running ferry, or fix 'log' in the config or --log"})
	}
}

// checkUmask flags a config umask that locks the owner out of its own
// files or lets anyone write the spool.
func (d *doctor) checkUmask() {
	if d.c.Umask == nil {
		return
	}
	u := *d.c.Umask
	switch {
	case u&0o600 != 0:
		d.add(finding{Kind: "umask", Severity: sevError, Message: fmt.Sprintf("umask %03o takes read or write permission from the files' own owner", u),
			Advice: "set umask to 022 or 077 in the config"})
	case u&0o002 == 0:
		d.add(finding{Kind: "umask", Severity: sevWarning, Message: fmt.Sprintf("umask %03o makes the spool's files writable by every user", u),
			Advice: "set umask to 022 or 077 in the config"})
	}
}

func (d *doctor) checkSpoolWritable(sp *spool.Spool) {
	if err := sp.Writable(); err != nil {
		d.add(finding{Kind: "spool-unwritable", Severity: sevError, Path: d.c.Spool, Message: err.Error(),
			Advice: "give the user running ferry write access to the spool (chown -R it to that user)"})
	}
}

// checkSpace compares the free space of the spool's filesystem, and of
// each incoming directory's, with the reserve ferry keeps.
func (d *doctor) checkSpace(sp *spool.Spool) {
	type fsys struct{ node, path string }
	dirs := []fsys{{"", d.c.Spool}}
	for _, name := range sortedNeigh(d.c) {
		if in := d.c.Neigh[name].Incoming; in != "" {
			dirs = append(dirs, fsys{name, in})
		}
	}
	seen := map[uint64]bool{}
	for _, x := range dirs {
		var st unix.Stat_t
		if unix.Stat(x.path, &st) != nil || seen[st.Dev] {
			continue // missing (said above) or a filesystem already checked
		}
		seen[st.Dev] = true
		room, err := spool.FitsIn(nil, x.path, 0, d.c.Reserve.Of)
		if err == nil {
			continue
		}
		if !errors.Is(err, spool.ErrNoRoom) {
			d.add(finding{Kind: "low-space", Severity: sevWarning, Node: x.node, Path: x.path, Message: err.Error(),
				Advice: "check the filesystem"})
			continue
		}
		d.add(finding{Kind: "low-space", Severity: sevError, Node: x.node, Path: x.path,
			Message: fmt.Sprintf("%s free, below the reserve of %s: calls take no more packets and toss leaves files in rx", humanSize(int64(room.Avail)), humanSize(int64(room.Reserve))),
			Advice:  "free space on that filesystem ('ferry rm --node NODE --part --older 7d', old tx packets), or lower ferry-reserve in the config"})
	}
}

// tossFailure is what the log says of a packet toss failed on.
type tossFailure struct {
	times int
	last  string // the last failure's Err
}

// tossFailures reads the log for the records of packets a toss failed
// on (a record naming a Pkt with an Err): by packet id.
func (d *doctor) tossFailures() map[string]*tossFailure {
	out := map[string]*tossFailure{}
	if d.c.Log == "" || strings.HasPrefix(d.c.Log, "FD:") {
		return out
	}
	f, err := os.Open(d.c.Log)
	if err != nil {
		return out // checkLog said what is wrong with it, if anything
	}
	defer func() { _ = f.Close() }() // read only
	err = journal.Read(f, func(r journal.Record) error {
		pkt, e := r.Get("Pkt"), r.Get("Err")
		if pkt == "" || e == "" {
			return nil
		}
		tf := out[pkt]
		if tf == nil {
			tf = &tossFailure{}
			out[pkt] = tf
		}
		tf.times++
		tf.last = e
		return nil
	})
	if err != nil {
		d.add(finding{Kind: "log-unreadable", Severity: sevWarning, Path: d.c.Log, Message: "toss failures past this point are not counted: " + err.Error(),
			Advice: "look at the log's end; a line over 1 MiB or a read error stops the reading"})
	}
	return out
}

// checkQueues looks at one node directory of the spool.
func (d *doctor) checkQueues(sp *spool.Spool, id packet.ID, failing map[string]*tossFailure) {
	n := d.c.ByID[id]
	name := d.c.NodeName(id)
	rx, rxErr := sp.QueueFiles(id, spool.RX)
	tx, txErr := sp.QueueFiles(id, spool.TX)
	for _, err := range []error{rxErr, txErr} {
		if err != nil {
			d.add(finding{Kind: "spool-unreadable", Severity: sevError, Node: name, Message: err.Error(),
				Advice: "give the user running ferry read access to the spool"})
		}
	}
	if n == nil && id != d.selfID() {
		if len(rx)+len(tx) > 0 {
			d.add(finding{Kind: "unknown-node", Severity: sevWarning, Node: id.String(), Path: sp.NodePath(id),
				Message: fmt.Sprintf("%d received and %d outbound packets for a node the config does not name", len(rx), len(tx)),
				Advice:  fmt.Sprintf("add the node back to neigh in the config, or remove its queues: rm -r %s", sp.NodePath(id))})
		}
		return
	}
	txLimit, txPolicy := d.ageLimit(id, cfg.AgeTx, d.lim.tx)
	for _, p := range tx {
		if age := d.now.Sub(p.ModTime); age > txLimit {
			advice := fmt.Sprintf("call the node (ferry call %s) or carry it (ferry xfer); or drop old ones: ferry rm --node %s --tx --older %s", name, name, ageFlag(txLimit))
			if txPolicy {
				advice = fmt.Sprintf("call the node (ferry call %s) or carry it (ferry xfer); it is past its ferry-age tx limit of %s, which ferry gc (and a running daemon or caller) applies", name, cfg.FormatAge(txLimit))
			}
			d.add(finding{Kind: "tx-old", Severity: sevWarning, Node: name, Pkt: p.ID.String(), Path: p.Path,
				Message: fmt.Sprintf("queued %s ago and not sent", roundAge(age)), Advice: advice})
		}
	}
	execs := d.failingExecs(sp, id, name)
	for _, p := range rx {
		if fe, ok := execs[p.ID]; ok {
			d.add(execFinding(d.c.ExecRetryFor(n), fe, name, id, p))
		} else if tf := failing[p.ID.String()]; tf != nil {
			d.add(finding{Kind: "rx-failing", Severity: sevError, Node: name, Pkt: p.ID.String(), Path: p.Path,
				Message: fmt.Sprintf("toss failed on it %s, last: %s", times(tf.times), tf.last),
				Advice:  fmt.Sprintf("fix the cause and run 'ferry toss --node %s'; or drop it: echo %s/%s | ferry rm --pkt", name, id, p.ID)})
		} else if age := d.now.Sub(p.ModTime); age > d.lim.rx {
			d.add(finding{Kind: "rx-old", Severity: sevWarning, Node: name, Pkt: p.ID.String(), Path: p.Path,
				Message: fmt.Sprintf("received %s ago and not tossed", roundAge(age)),
				Advice:  fmt.Sprintf("run 'ferry toss' (or the daemon with --autotoss, or the ferry-toss service); 'ferry toss --node %s --dryrun' shows what it would do", name)})
		}
	}
	d.checkPartials(sp, id, name)
	d.checkKept(sp, id, name)
	for _, xx := range []spool.XX{spool.RX, spool.TX} {
		bad, err := sp.BadFiles(id, xx)
		if err != nil {
			d.add(finding{Kind: "spool-unreadable", Severity: sevError, Node: name, Message: err.Error(), Advice: "give the user running ferry read access to the spool"})
		}
		for _, b := range bad {
			d.add(finding{Kind: "bad-packet", Severity: sevWarning, Node: name, Pkt: b.ID.String(), Path: b.Path,
				Message: fmt.Sprintf("set aside in %s/bad: it can never be processed (the log says why: ferry log | grep %s)", xx, b.ID),
				Advice:  fmt.Sprintf("look at it with 'ferry pkt < %s', then remove it: rm %s", b.Path, b.Path)})
		}
	}
	locks, err := sp.LockFiles(id)
	if err != nil {
		d.add(finding{Kind: "spool-unreadable", Severity: sevError, Node: name, Message: err.Error(), Advice: "give the user running ferry read access to the spool"})
	}
	for _, l := range locks {
		if l.Err != nil {
			d.add(finding{Kind: "stale-lock", Severity: sevError, Node: name, Path: l.Path,
				Message: fmt.Sprintf("the %s lock cannot be taken: %v", l.Kind, l.Err),
				Advice:  fmt.Sprintf("remove it (nothing holds it: flock dies with its holder): ferry rm --lock, or rm %s", l.Path)})
		}
	}
}

// checkTmp finds files in SPOOL/tmp older than the part age: writers
// that died (a killed ferry file, a crash) leave them.
func (d *doctor) checkTmp(sp *spool.Spool) {
	files, err := sp.TmpFiles()
	if err != nil {
		d.add(finding{Kind: "spool-unreadable", Severity: sevError, Path: d.c.Spool, Message: err.Error(), Advice: "give the user running ferry read access to the spool"})
	}
	limit, policy := d.ageLimit(packet.ID{}, cfg.AgeTmp, d.lim.part)
	for _, f := range files {
		if age := d.now.Sub(f.ModTime); age > limit {
			d.add(finding{Kind: "stale-tmp", Severity: sevWarning, Path: f.Path,
				Message: fmt.Sprintf("a temporary file (%s) left %s ago by a writer that stopped", humanSize(f.Size), roundAge(age)),
				Advice:  d.removeAdvice(policy, cfg.AgeTmp, limit, fmt.Sprintf("ferry rm --tmp --older %s", ageFlag(limit)))})
		}
	}
}

func (d *doctor) checkPartials(sp *spool.Spool, id packet.ID, name string) {
	parts, err := sp.PartialFiles(id)
	if err != nil {
		d.add(finding{Kind: "spool-unreadable", Severity: sevError, Node: name, Message: err.Error(), Advice: "give the user running ferry read access to the spool"})
	}
	partLimit, partPolicy := d.ageLimit(id, cfg.AgePart, d.lim.part)
	nockLimit, nockPolicy := d.ageLimit(id, cfg.AgeNock, d.lim.part)
	for _, p := range parts {
		age := d.now.Sub(p.ModTime)
		if p.Nock {
			if age <= nockLimit {
				continue
			}
			d.add(finding{Kind: "stale-nock", Severity: sevWarning, Node: name, Pkt: p.ID.String(), Path: p.Path,
				Message: fmt.Sprintf("received without a checksum %s ago and never checked", roundAge(age)),
				Advice: fmt.Sprintf("check it into rx: ferry check --nock --node %s; or drop it: %s", name,
					d.removeAdvice(nockPolicy, cfg.AgeNock, nockLimit, fmt.Sprintf("ferry rm --node %s --nock --older %s", name, ageFlag(nockLimit))))})
			continue
		}
		if age <= partLimit {
			continue
		}
		d.add(finding{Kind: "stale-part", Severity: sevWarning, Node: name, Pkt: p.ID.String(), Path: p.Path,
			Message: fmt.Sprintf("a download (%s) left unfinished %s ago", humanSize(p.Size), roundAge(age)),
			Advice: fmt.Sprintf("a call resumes it if the node still has the packet; else: %s",
				d.removeAdvice(partPolicy, cfg.AgePart, partLimit, fmt.Sprintf("ferry rm --node %s --part --older %s", name, ageFlag(partLimit))))})
	}
}

// doctorAgeFallback is the age past which doctor reports a file of a
// kind the config never removes (a ferry-age limit of never, or tx
// without one): worth a word, though nothing will remove it.
const doctorAgeFallback = 7 * cfg.Day

// ageLimit is the age past which doctor reports a file of kind key (a
// ferry-age key) in node's directories: the command line's when given,
// else the config's limit (policy: ferry gc removes such files), else
// doctorAgeFallback.
func (d *doctor) ageLimit(node packet.ID, key string, flag time.Duration) (limit time.Duration, policy bool) {
	if flag > 0 {
		return flag, false
	}
	if l := d.c.MaxAge(node, key); l > 0 {
		return l, true
	}
	return doctorAgeFallback, false
}

// removeAdvice says how files past the limit go: by ferry gc under a
// config limit, else by the rm command given.
func (d *doctor) removeAdvice(policy bool, key string, limit time.Duration, rm string) string {
	if policy {
		return fmt.Sprintf("ferry gc (a running daemon or caller does it hourly: ferry-age %s is %s)", key, cfg.FormatAge(limit))
	}
	return rm
}

// roundAge is an age for people: whole days past two days, else hours or minutes.
func roundAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour:
		return d.Round(time.Hour).String()
	}
	return d.Round(time.Minute).String()
}

// ageFlag writes an age as rm --older reads it.
func ageFlag(d time.Duration) string {
	if d%(24*time.Hour) == 0 && d > 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}
