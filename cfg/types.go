// Package cfg loads and validates NNCP 8.x Hjson configurations unchanged,
// and generates new ones. Field paths in errors follow the file's keys.
package cfg

import (
	"crypto/ed25519"
	"errors"
	"regexp"
	"time"

	"github.com/ferry-dtn/ferry/packet"
)

// Config is a loaded, validated configuration.
type Config struct {
	Spool      string
	Log        string
	Umask      *uint32 // nil: leave the process umask alone
	NoProgress bool
	NoHdr      bool
	AutoReass  bool      // toss reassembles chunked files as soon as complete (ferry only)
	Reserve    Reserve   // free space kept on the spool and incoming filesystems (ferry only)
	Ages       Ages      // ferry-age: how long files stay in the spool (ferry only; MaxAge reads it)
	Quota      Quota     // caps every node's queues together (ferry-quota, ferry only)
	ExecRetry  ExecRetry // failing exec handlers: the top level's policy (ferry only)
	ExecJobs   int       // exec handlers of one queue run at once (ferry-exec-jobs, ferry only; 0: one per core)
	Self       *Self     // nil when the config holds no private keys
	Neigh      map[string]*Node
	ByID       map[packet.ID]*Node
	Areas      map[string]*Area
	AreaByID   map[packet.ID]*Area
	MCDListen  []*regexp.Regexp
	MCDSend    []MCDSend
	Notify     Notify
	Warnings   []Warning // keys NNCP would silently ignore, in file order
}

// ErrNoPrivateKeys is returned wherever a config without a self section
// is asked to sign, decrypt or answer a call: a config made by cfgmin.
var ErrNoPrivateKeys = errors.New("config lacks private keys (no self section)")

// Self is our own identity with its private keys.
type Self struct {
	ID       packet.ID
	ExchPub  [32]byte
	ExchPrv  [32]byte
	SignPub  ed25519.PublicKey
	SignPrv  ed25519.PrivateKey
	NoisePub [32]byte
	NoisePrv [32]byte
}

// Identity returns the keys packets are signed and decrypted with.
func (s *Self) Identity() *packet.Identity {
	return &packet.Identity{ID: s.ID, ExchPrv: s.ExchPrv, ExchPub: s.ExchPub, SignPrv: s.SignPrv, SignPub: s.SignPub}
}

// Node is a neighbour (or `self` as its own neighbour).
type Node struct {
	Name           string
	ID             packet.ID
	ExchPub        [32]byte
	SignPub        ed25519.PublicKey
	NoisePub       *[32]byte // nil: cannot take part in online calls
	Incoming       string    // "": incoming files refused
	Exec           map[string][]string
	Freq           Freq
	Via            []packet.ID // first hop first
	Addrs          map[string]string
	RxRate, TxRate int
	OnlineDeadline time.Duration
	MaxOnlineTime  time.Duration
	Calls          []Call
	// Ferry marks the node as running ferry (neigh.NAME.ferry, ferry
	// only): it is sent receipts with reasons, see ferry-receipts(7).
	Ferry bool
	// Expire is the default lifetime of messages to the node
	// (neigh.NAME.ferry-expire, ferry only; 0: none).
	Expire time.Duration
	// Ages are the node's own ferry-age limits, over the top level's.
	Ages Ages
	// Quota caps the node's own rx and tx queues (neigh.NAME.ferry-quota,
	// ferry only; zero: unlimited).
	Quota Quota
	// ExecRetry is the policy for the node's exec packets whose handler
	// fails (its own ferry-exec-* keys over the top level's).
	ExecRetry ExecRetry
	// ViaAlt are the routes tried, in order, when a message sent over
	// Via gets no receipt within Failover (neigh.NAME.ferry-via-alt and
	// ferry-failover, ferry only; see failover.go). Each is a list of
	// relays like Via, first hop first; an empty one is direct.
	ViaAlt   [][]packet.ID
	Failover time.Duration
}

// Peer returns the node's public keys for the packet layer.
func (n *Node) Peer() packet.Peer {
	return packet.Peer{ID: n.ID, ExchPub: n.ExchPub, SignPub: n.SignPub}
}

// Freq is the file-request policy for a node. Sizes are in bytes.
type Freq struct {
	Path    string // "": freqs refused
	Chunked int64
	MinSize int64
	MaxSize int64
}

// Call is one scheduled call of `ferry caller`.
type Call struct {
	Cron           string
	Nice           uint8
	XX             string // "", "rx" or "tx"
	RxRate, TxRate int
	Addr           string
	OnlineDeadline time.Duration
	MaxOnlineTime  time.Duration
	WhenTxExists   bool
	NoCK           bool
	MCDIgnore      bool
	AutoToss       bool
	AutoTossSeen   bool
	AutoTossNoFile bool
	AutoTossNoFreq bool
	AutoTossNoExec bool
	AutoTossNoTrns bool
	AutoTossNoArea bool
}

// Area is a multicast area.
type Area struct {
	Name         string
	ID           packet.ID
	Pub          *[32]byte
	Prv          *[32]byte
	Subs         []packet.ID
	Incoming     string
	Exec         map[string][]string
	AllowUnknown bool
}

// Peer returns the area's public key as an encryption target.
func (a *Area) Peer() packet.Peer {
	p := packet.Peer{ID: a.ID}
	if a.Pub != nil {
		p.ExchPub = *a.Pub
	}
	return p
}

// Identity returns the area's keys for reading its messages, or nil when
// we do not hold its private key.
func (a *Area) Identity() *packet.Identity {
	if a.Prv == nil || a.Pub == nil {
		return nil
	}
	return &packet.Identity{ID: a.ID, ExchPrv: *a.Prv, ExchPub: *a.Pub}
}

// MCDSend is one `mcd-send` entry: announce on matching interfaces.
type MCDSend struct {
	Iface    *regexp.Regexp
	Interval time.Duration
}

// MailTo is a notification sender and recipient.
type MailTo struct {
	From, To string
}

// Notify configures notification mails.
type Notify struct {
	File *MailTo
	Freq *MailTo
	Exec map[string]*MailTo // "<node>.<handle>" or "*.<handle>"
}
