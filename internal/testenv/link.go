package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// LinkTree makes dst a copy of src (a file, or a folder and everything in
// it) made of hard links, or of copies where the file system cannot link.
// Tests assemble model folders with it: gliner.Open refuses symbolic links
// that leave a model folder.
func LinkTree(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		return linkOrCopy(p, target)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// linkOrCopy makes name a hard link to target, or a copy of it.
func linkOrCopy(target, name string) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	if os.Link(target, name) == nil {
		return nil
	}
	b, err := os.ReadFile(target)
	if err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}
