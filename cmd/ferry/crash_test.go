package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const countingHandler = `#!/bin/sh
out=$1; shift
/bin/mkdir -p "$out"
/bin/cat > /dev/null
printf '%s\n' "$*" >> "$out/ran"
`

// TestTossSurvivesSIGKILL kills `ferry toss` at random moments over a
// mixed queue, reruns it, and checks that every file arrived exactly once
// and intact, no partial file ever sat under a final name, and every
// exec ran exactly once.
func TestTossSurvivesSIGKILL(t *testing.T) {
	t.Parallel() // mostly waiting on other processes: overlaps the other waits
	l := newNetLab(t)
	mustWrite(t, l.path("handler.sh"), []byte(countingHandler), 0o755)
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[string][32]byte{}
	execs := 0
	queueBatch := func(batch int) {
		for i := 0; i < 6; i++ {
			size := rng.IntN(3 << 20)
			body := make([]byte, size)
			for k := range body {
				body[k] = byte(rng.Uint32())
			}
			name := fmt.Sprintf("b%d-f%d.bin", batch, i)
			src := l.path("src-" + name)
			mustWrite(t, src, body, 0o644)
			l.ferry(t, "alice", nil, "file", src, "bob:"+name)
			want[name] = sha256.Sum256(body)
		}
		for i := 0; i < 4; i++ {
			l.ferry(t, "alice", []byte(strings.Repeat("mail ", 1000)), "exec", "bob", "handler", fmt.Sprintf("b%d-e%d", batch, i))
			execs++
		}
		l.carry(t, "alice", "bob")
	}
	checkNoPartial := func() {
		ents, _ := os.ReadDir(l.path("bob", "incoming"))
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			sum, ok := want[e.Name()]
			data, _ := os.ReadFile(l.path("bob", "incoming", e.Name()))
			if !ok || sha256.Sum256(data) != sum {
				t.Fatalf("%s under a final name is not a complete expected file", e.Name())
			}
		}
	}
	batch := 0
	queueBatch(batch)
	kills := 0
	for kills < 24 {
		if l.count(l.queue("bob", "alice", "rx")) == 0 {
			batch++
			queueBatch(batch)
		}
		cmd := exec.Command(ferryBin, "toss", "--cfg", l.cfg("bob"), "--quiet")
		cmd.Env = append(os.Environ(), "NNCPCFG=")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
		killWait(t, cmd)
		kills++
		checkNoPartial()
	}
	// Finish the work without interruption.
	l.ferry(t, "bob", nil, "toss")
	if n := l.count(l.queue("bob", "alice", "rx")); n != 0 {
		t.Fatalf("%d packets left", n)
	}
	checkNoPartial()
	for name := range want {
		if _, err := os.Stat(l.path("bob", "incoming", name)); err != nil {
			t.Errorf("%s never arrived", name)
		}
		if _, err := os.Stat(l.path("bob", "incoming", name+".0")); err == nil {
			t.Errorf("%s delivered twice", name)
		}
	}
	ran, _ := os.ReadFile(l.path("bob", "exec-out", "ran"))
	counts := map[string]int{}
	for _, line := range strings.Fields(string(ran)) {
		counts[line]++
	}
	missing := 0
	for b := 0; b <= batch; b++ {
		for i := 0; i < 4; i++ {
			k := fmt.Sprintf("b%d-e%d", b, i)
			switch counts[k] {
			case 0:
				missing++
			case 1:
			default:
				t.Errorf("exec %s ran %d times", k, counts[k])
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d execs never ran", missing, execs)
	}
	if r := ferry(t, nil, "check", "--cfg", l.cfg("bob"), "--quiet"); r.code != 0 {
		t.Errorf("check after crashes: %s", r.stderr)
	}
	if bytes.Contains(ran, []byte("\n\n")) {
		t.Error("torn handler output")
	}
}
