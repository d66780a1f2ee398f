package cfg

import "encoding/json"

// The raw structs mirror the file. Like NNCP, the Hjson is turned into
// JSON and decoded with encoding/json, so keys match case-insensitively
// and unknown keys are ignored (with a warning, unknownkeys.go). They hold
// every key NNCP 8.8.2 reads, used by ferry or not (yggdrasil-aliases),
// so that none of them is taken for unknown.

type rawConfig struct {
	Spool        string                     `json:"spool"`
	Log          string                     `json:"log"`
	Umask        string                     `json:"umask"`
	NoProgress   bool                       `json:"noprogress"`
	NoHdr        bool                       `json:"nohdr"`
	AutoReass    bool                       `json:"autoreass"`       // ferry only; NNCP ignores it
	Reserve      json.RawMessage            `json:"ferry-reserve"`   // ferry only: bytes or "N%"
	Ages         *rawAges                   `json:"ferry-age"`       // ferry only: age limits (age.go)
	Quota        *rawQuota                  `json:"ferry-quota"`     // ferry only: all queues together (quota.go)
	ExecJobs     *int                       `json:"ferry-exec-jobs"` // ferry only: handlers run at once (execretry.go)
	MCDListen    []string                   `json:"mcd-listen"`
	MCDSend      map[string]int             `json:"mcd-send"`
	Notify       *rawNotify                 `json:"notify"`
	Self         *rawSelf                   `json:"self"`
	Neigh        map[string]json.RawMessage `json:"neigh"` // decoded one by one, for field paths
	Areas        map[string]json.RawMessage `json:"areas"`
	Ygg          map[string]any             `json:"yggdrasil-aliases"`
	rawExecRetry                            // ferry only: execretry.go
}

// rawParts are the neighbours and areas decodeRaw decoded, leaving
// rawConfig's Neigh and Areas holding only their names; none: build
// decodes them from Neigh's and Areas' JSON. (Not fields of rawConfig,
// whose fields are the config's keys: shapeOf, dirschema.go.)
type rawParts struct {
	nodes map[string]*rawNode
	areas map[string]*rawArea
}

type rawSelf struct {
	ID       string `json:"id"`
	ExchPub  string `json:"exchpub"`
	ExchPrv  string `json:"exchprv"`
	SignPub  string `json:"signpub"`
	SignPrv  string `json:"signprv"`
	NoisePrv string `json:"noiseprv"`
	NoisePub string `json:"noisepub"`
}

type rawNode struct {
	ID             string              `json:"id"`
	ExchPub        string              `json:"exchpub"`
	SignPub        string              `json:"signpub"`
	NoisePub       *string             `json:"noisepub"`
	Incoming       *string             `json:"incoming"`
	Exec           map[string][]string `json:"exec"`
	Freq           *rawFreq            `json:"freq"`
	Via            []string            `json:"via"`
	Addrs          map[string]string   `json:"addrs"`
	RxRate         *int                `json:"rxrate"`
	TxRate         *int                `json:"txrate"`
	OnlineDeadline *uint               `json:"onlinedeadline"`
	MaxOnlineTime  *uint               `json:"maxonlinetime"`
	Calls          []rawCall           `json:"calls"`
	Ferry          bool                `json:"ferry"`        // ferry only; NNCP ignores it
	Expire         *string             `json:"ferry-expire"` // ferry only: a Go duration
	Ages           *rawAges            `json:"ferry-age"`    // ferry only: age limits (age.go)
	Quota          *rawQuota           `json:"ferry-quota"`  // ferry only: this node's queues (quota.go)
	rawExecRetry                       // ferry only: execretry.go
	ViaAlt         [][]string          `json:"ferry-via-alt"`  // ferry only: failover routes (failover.go)
	Failover       *string             `json:"ferry-failover"` // ferry only: a Go duration
}

type rawFreq struct {
	Path    *string `json:"path"`
	Chunked *uint64 `json:"chunked"`
	MinSize *uint64 `json:"minsize"`
	MaxSize *uint64 `json:"maxsize"`
}

type rawCall struct {
	Cron           string  `json:"cron"`
	Nice           *string `json:"nice"`
	XX             string  `json:"xx"`
	RxRate         *int    `json:"rxrate"`
	TxRate         *int    `json:"txrate"`
	Addr           *string `json:"addr"`
	OnlineDeadline *uint   `json:"onlinedeadline"`
	MaxOnlineTime  *uint   `json:"maxonlinetime"`
	WhenTxExists   bool    `json:"when-tx-exists"`
	NoCK           bool    `json:"nock"`
	MCDIgnore      bool    `json:"mcd-ignore"`
	AutoToss       bool    `json:"autotoss"`
	AutoTossDoSeen bool    `json:"autotoss-doseen"`
	AutoTossNoFile bool    `json:"autotoss-nofile"`
	AutoTossNoFreq bool    `json:"autotoss-nofreq"`
	AutoTossNoExec bool    `json:"autotoss-noexec"`
	AutoTossNoTrns bool    `json:"autotoss-notrns"`
	AutoTossNoArea bool    `json:"autotoss-noarea"`
}

type rawArea struct {
	ID           string              `json:"id"`
	Pub          *string             `json:"pub"`
	Prv          *string             `json:"prv"`
	Subs         []string            `json:"subs"`
	Incoming     *string             `json:"incoming"`
	Exec         map[string][]string `json:"exec"`
	AllowUnknown bool                `json:"allow-unknown"`
}

type rawFromTo struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type rawNotify struct {
	File *rawFromTo            `json:"file"`
	Freq *rawFromTo            `json:"freq"`
	Exec map[string]*rawFromTo `json:"exec"`
}
