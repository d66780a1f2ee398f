package fsio

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestReadAt(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	data := []byte("0123456789")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		path    string
		buf     int
		off     int64
		want    string
		missing bool
	}{
		{"whole", p, 10, 0, "0123456789", false},
		{"bigger buffer stops at the end", p, 64, 0, "0123456789", false},
		{"from an offset", p, 4, 3, "3456", false},
		{"offset near the end", p, 8, 7, "789", false},
		{"offset past the end", p, 8, 20, "", false},
		{"missing file", filepath.Join(dir, "nope"), 8, 0, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			buf := make([]byte, c.buf)
			n, err := ReadAt(c.path, buf, c.off)
			if c.missing {
				if !os.IsNotExist(err) {
					t.Fatalf("err %v, want not-exist", err)
				}
				return
			}
			if err != nil || string(buf[:n]) != c.want {
				t.Fatalf("got %q, %v; want %q", buf[:n], err, c.want)
			}
		})
	}
}

func TestFileOps(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a")
	if _, err := OpenFile(p, os.O_RDONLY, 0); !os.IsNotExist(err) {
		t.Fatalf("open of a missing file: %v", err)
	}
	f, err := OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); !os.IsExist(err) {
		t.Fatalf("O_EXCL over an existing file: %v", err)
	}
	q := filepath.Join(dir, "b")
	if err := Rename(p, q); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(q); !bytes.Equal(got, []byte("hello")) {
		t.Fatalf("renamed file holds %q", got)
	}
	if err := Rename(p, q); !os.IsNotExist(err) {
		t.Fatalf("rename of a missing file: %v", err)
	}
	if err := Unlink(q); err != nil {
		t.Fatal(err)
	}
	if err := Unlink(q); !os.IsNotExist(err) {
		t.Fatalf("unlink of a missing file: %v", err)
	}
	if err := Unlink(dir); err == nil {
		t.Fatal("unlink removed a directory")
	}
}
