package cfg

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrConfigDir is returned by EditFile for a config directory.
var ErrConfigDir = errors.New("config is a directory (nncp-cfgdir layout), not a file to edit")

// EditFile applies edit to the Hjson config file at path and replaces
// the file only when the result loads and validates; check, when given,
// looks at the loaded result too. The new file is written beside the old
// (through a symlink, beside its target) with the same mode, synced and
// renamed over it, so a reader sees the old file or the new one whole.
// Encrypted configs and config directories are refused.
func EditFile(path string, edit func([]byte) ([]byte, error), check func(*Config) error) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s: %w", path, ErrConfigDir)
	}
	old, err := os.ReadFile(real)
	if err != nil {
		return err
	}
	if IsEBlob(old) {
		return fmt.Errorf("%s: %w", path, ErrEncrypted)
	}
	data, err := edit(old)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return fmt.Errorf("%s: the edited config would not load, file left as it was: %w", path, err)
	}
	if check != nil {
		if err := check(c); err != nil {
			return fmt.Errorf("%s: file left as it was: %w", path, err)
		}
	}
	// Another edit (a second neigh add, an editor) that landed meanwhile
	// would be lost by the rename: refuse rather than undo it. A window
	// remains between this read and the rename, far shorter than a
	// human's or a script's edit.
	if now, err := os.ReadFile(real); err != nil || !bytes.Equal(now, old) {
		return fmt.Errorf("%s: changed while being edited, file left as the other edit made it: run again", path)
	}
	return replaceFile(real, data, fi.Mode().Perm())
}

func replaceFile(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		// Gone after the rename; cleans up after a failure, and says so
		// when it cannot (a copy of the config, keys and all, stays).
		if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}()
	if _, err = f.Write(data); err == nil {
		if err = f.Chmod(mode); err == nil {
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }() // opened to sync: the sync's error is the one that counts
	return d.Sync()
}
