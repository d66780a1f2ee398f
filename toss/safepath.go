package toss

import (
	"os"
	"path/filepath"
	"strings"
)

// confine joins a received relative path onto root and refuses anything
// that could land outside it: absolute paths, ".." components, NUL bytes,
// empty names, and existing symbolic links along the way. NNCP 8.8.2
// accepts some of these; ferry never does. It is for paths we read.
func confine(root, rel string) (string, error) { return confineLinks(root, rel, true) }

// confineNew is confine for a file about to be created, where a link as
// the last component is no threat: the file is linked in beside it under
// the next free name (link(2) never follows the new name), as NNCP's
// free-name rule gives x.txt.0 when x.txt exists. A link among the
// directories on the way is still refused: writing under it would land
// outside root.
func confineNew(root, rel string) (string, error) { return confineLinks(root, rel, false) }

func confineLinks(root, rel string, leafLinks bool) (string, error) {
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
	parts := strings.Split(clean, string(filepath.Separator))
	for i, part := range parts {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if err != nil {
			break // the rest does not exist yet
		}
		if fi.Mode()&os.ModeSymlink != 0 && (leafLinks || i < len(parts)-1) {
			return "", refused("path %q passes a symbolic link", rel)
		}
	}
	return filepath.Join(root, clean), nil
}
