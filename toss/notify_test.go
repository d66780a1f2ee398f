package toss_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dtn/ferry/cfg"
	"github.com/ferry-dtn/ferry/spool"
	"github.com/ferry-dtn/ferry/toss"
)

func TestNotifyMail(t *testing.T) {
	l := newLab(t)
	mailer := l.path("mailer.sh")
	if err := os.WriteFile(mailer, []byte("#!/bin/sh\nbox=$1; shift\n{ echo \"RCPT $*\"; /bin/cat; echo; } >> \"$box\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	box := l.path("box")
	c := l.cfgs["bob"]
	c.Neigh["self"].Exec = map[string][]string{"sendmail": {mailer, box}}
	c.Notify = cfg.Notify{File: &cfg.MailTo{From: "nncp@bob", To: "admin@bob"},
		Exec: map[string]*cfg.MailTo{"*.handler": {From: "nncp@bob", To: "ops@bob"}}}
	v := vectors(t)
	l.put(t, "bob", "alice", spool.RX, readFile(t, filepath.Join(vecDir, v["file-1byte"].File)))
	l.put(t, "bob", "alice", spool.RX, readFile(t, filepath.Join(vecDir, v["exec-fat"].File)))
	if _, err := l.toss(t, "bob", toss.Options{}); err != nil {
		t.Fatalf("%v\n%s", err, l.logs["bob"])
	}
	mail := string(readFile(t, box))
	for _, want := range []string{
		"RCPT admin@bob\nFrom: nncp@bob\nTo: admin@bob\nSubject: File from alice: one.bin (1)",
		"RCPT ops@bob\nFrom: nncp@bob\nTo: ops@bob\nSubject: Exec from alice: handler fat", // the handler printed nothing: no body
	} {
		if !strings.Contains(mail, want) {
			t.Errorf("mail lacks %q:\n%s", want, mail)
		}
	}
}
