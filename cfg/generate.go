package cfg

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"text/template"

	"github.com/ferry-dtn/ferry/packet"
)

// GenOptions shape a new config.
type GenOptions struct {
	Areas      []string // areas to create with fresh keys
	NoComments bool
	Spool, Log string // "" for the defaults
}

type genKeys struct {
	ID, ExchPub, ExchPrv, SignPub, SignPrv, NoisePub, NoisePrv string
}

type genArea struct{ Name, ID, Pub, Prv string }

func x25519Pair() (pub, prv string, err error) {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	return packet.B32.EncodeToString(k.PublicKey().Bytes()), packet.B32.EncodeToString(k.Bytes()), nil
}

func newKeys() (*genKeys, error) {
	k := &genKeys{}
	pub, prv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	k.SignPub, k.SignPrv = packet.B32.EncodeToString(pub), packet.B32.EncodeToString(prv)
	k.ID = packet.NodeID(pub).String()
	if k.ExchPub, k.ExchPrv, err = x25519Pair(); err != nil {
		return nil, err
	}
	if k.NoisePub, k.NoisePrv, err = x25519Pair(); err != nil {
		return nil, err
	}
	return k, nil
}

// Generate returns a new config with fresh keys, commented unless
// NoComments, which both ferry and NNCP load.
func Generate(opt GenOptions) (string, error) {
	keys, err := newKeys()
	if err != nil {
		return "", err
	}
	data := struct {
		*genKeys
		Spool, Log string
		Areas      []genArea
	}{genKeys: keys, Spool: opt.Spool, Log: opt.Log}
	if data.Spool == "" {
		data.Spool = DefaultSpool
	}
	if data.Log == "" {
		data.Log = DefaultLog
	}
	for _, name := range opt.Areas {
		if name == "" || strings.ContainsAny(name, " \t\n:{}[],\"'#") {
			return "", fmt.Errorf("area name %q: use letters, digits, - and _", name)
		}
		pub, prv, err := x25519Pair()
		if err != nil {
			return "", err
		}
		pk, _ := packet.DecodeKey(pub, 32)
		data.Areas = append(data.Areas, genArea{Name: name, ID: packet.AreaID([32]byte(pk)).String(), Pub: pub, Prv: prv})
	}
	var b strings.Builder
	if err := configTemplate().Execute(&b, data); err != nil {
		return "", err
	}
	out := b.String()
	if opt.NoComments {
		out = stripComments(out)
	}
	return out, nil
}

// stripComments drops whole-line comments and the blank lines they leave.
func stripComments(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

var configTemplate = sync.OnceValue(func() *template.Template { return template.Must(template.New("cfg").Parse(configText)) })

const configText = `{
  # ferry / NNCP 8.x node configuration (Hjson: comments, unquoted keys
  # and strings, optional commas). Keep this file private: it holds
  # your private keys. Give neighbours the output of "ferry cfgmin".

  # Where packets queue, and the log of everything that happens.
  spool: {{.Spool}}
  log: {{.Log}}

  # umask: "022"      # applied by every command
  # noprogress: true  # never draw progress bars
  # nohdr: true       # do not keep hdr/ copies of packet headers

  # Announce and discover neighbours on the LAN (multicast, port 5400):
  # mcd-listen: [".*"]           # interfaces "ferry caller" listens on
  # mcd-send: {".*": 10}         # interfaces the daemon announces on, every N s

  # Notification mails, sent with neigh.self.exec.sendmail:
  # notify: {
  #   file: {from: nncp@localhost, to: user@example.com}
  #   freq: {from: nncp@localhost, to: user@example.com}
  #   exec: {"*.sendmail": {from: nncp@localhost, to: user@example.com}}
  # }

  # Our identity. Private keys: never share them.
  self: {
    id: {{.ID}}
    exchpub: {{.ExchPub}}
    exchprv: {{.ExchPrv}}
    signpub: {{.SignPub}}
    signprv: {{.SignPrv}}
    noiseprv: {{.NoisePrv}}
    noisepub: {{.NoisePub}}
  }

  neigh: {
    # Our own public data, also used for local delivery and as the
    # mailer for notifications.
    self: {
      id: {{.ID}}
      exchpub: {{.ExchPub}}
      signpub: {{.SignPub}}
      noisepub: {{.NoisePub}}
      exec: {
        sendmail: ["/usr/sbin/sendmail"]
      }
    }

    # A neighbour: paste the public keys from its "ferry cfgmin".
    # bob: {
    #   id: ...
    #   exchpub: ...
    #   signpub: ...
    #   noisepub: ...                      # needed for online calls
    #   incoming: /home/alice/incoming/bob # accept files from bob here
    #   freq: {
    #     path: /home/alice/pub            # bob may request files from here
    #     chunked: 1024                    # answer in 1 MiB chunks
    #   }
    #   exec: {
    #     sendmail: ["/usr/sbin/sendmail"] # bob may send us mail
    #   }
    #   addrs: {
    #     lan: "192.0.2.1:5400"
    #     ssh: "|ssh bob.example.com ferry daemon --inetd"
    #   }
    #   calls: [
    #     {cron: "*/10 * * * *", nice: "priority", when-tx-exists: true}
    #   ]
    # }

    # A node reached through bob: its packets are onion-wrapped for bob.
    # carol: {
    #   id: ...
    #   exchpub: ...
    #   signpub: ...
    #   via: ["bob"]
    # }
  }
{{- if .Areas}}

  # Multicast areas: messages sent to an area reach every subscriber.
  areas: {
{{- range .Areas}}
    {{.Name}}: {
      id: {{.ID}}
      # Give the keys only to nodes that should read the area.
      pub: {{.Pub}}
      prv: {{.Prv}}
      # subs: ["bob"]              # neighbours we relay the area to
      # incoming: /home/alice/areas/{{.Name}}
      # allow-unknown: true        # accept messages from non-neighbours
    }
{{- end}}
  }
{{- end}}
}
`
