package toss

import (
	"os"
	"path/filepath"
	"strings"
)

// confine joins a received relative path onto root and refuses anything
// that could land outside it: absolute paths, ".." components, NUL bytes,
// empty names, and existing symbolic links along the way. NNCP 8.8.2
// accepts some of these; ferry never does.
func confine(root, rel string) (string, error) {
	switch {
	case rel == "" || strings.ContainsRune(rel, 0):
		return "", refused("empty path or NUL byte in %q", rel)
	case filepath.IsAbs(rel) || strings.HasPrefix(rel, "/"):
		return "", refused("absolute path %q", rel)
	}
	for _, part := range strings.Split(rel, "/") {
		if part == ".." {
			return "", refused("path %q climbs out with ..", rel)
		}
	}
	clean := filepath.Clean(rel)
	if clean == "." || strings.HasPrefix(clean, "..") {
		return "", refused("path %q has no name inside the directory", rel)
	}
	// No component below root may be a symbolic link: a link planted
	// earlier (or by another sender) must not redirect a write.
	cur := root
	for _, part := range strings.Split(clean, string(filepath.Separator)) {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if err != nil {
			break // the rest does not exist yet
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return "", refused("path %q passes a symbolic link", rel)
		}
	}
	return filepath.Join(root, clean), nil
}
