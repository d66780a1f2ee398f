package toss

import (
	"encoding/base64"
	"fmt"
	"mime"
	"os/exec"
	"strings"

	"github.com/ferry-dtn/ferry/cfg"
)

// Notification mails go through neigh.self.exec.sendmail. Failures are
// logged only: a mail must never keep a packet in the queue.

func (t *Tosser) sendmail(to *cfg.MailTo, subject string, body []byte) {
	self := t.c.Neigh["self"]
	if to == nil || self == nil || len(self.Exec["sendmail"]) == 0 {
		return
	}
	argv := append(append([]string(nil), self.Exec["sendmail"]...), to.To)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = strings.NewReader(mailText(to, subject, body))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.log.Error("notification not sent", "who", "notify", "err", fmt.Errorf("%w: %s", err, out))
	}
}

// mailText renders the message: the subject is RFC 2047-encoded only when
// not ASCII; a body is base64 UTF-8 text.
func mailText(to *cfg.MailTo, subject string, body []byte) string {
	if !isASCII(subject) {
		subject = mime.BEncoding.Encode("UTF-8", subject)
	}
	lines := []string{"From: " + to.From, "To: " + to.To, "Subject: " + subject}
	if len(body) > 0 {
		lines = append(lines, "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
			"Content-Transfer-Encoding: base64", "", base64.StdEncoding.EncodeToString(body))
	}
	return strings.Join(lines, "\n")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (t *Tosser) notifyFile(o *origin, path string, size int64) {
	t.sendmail(t.c.Notify.File, fmt.Sprintf("File from %s: %s (%d)", o.name, path, size), nil)
}

func (t *Tosser) notifyFreq(o *origin, src string) {
	t.sendmail(t.c.Notify.Freq, fmt.Sprintf("Freq from %s: %s", o.name, src), nil)
}

func (t *Tosser) notifyExec(o *origin, handle string, args []string, out []byte) {
	to := t.c.Notify.Exec[o.name+"."+handle]
	if to == nil {
		to = t.c.Notify.Exec["*."+handle]
	}
	t.sendmail(to, fmt.Sprintf("Exec from %s: %s", o.name, strings.Join(append([]string{handle}, args...), " ")), out)
}
