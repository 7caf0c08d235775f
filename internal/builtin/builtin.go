// Package builtin embeds the library's default model folder (a GLiNER span
// model trained by the project on public biomedical corpora; see
// model/README.md) and makes it available as files on disk, where ONNX
// Runtime and the tokenizer loaders read it.
package builtin

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

//go:embed model
var files embed.FS

// FS returns the model folder's files.
func FS() fs.FS {
	sub, err := fs.Sub(files, "model")
	if err != nil {
		panic("builtin: " + err.Error()) // the embedded folder always exists
	}
	return sub
}

var (
	idOnce sync.Once
	id     string
)

// ID returns a content hash of the model folder (16 hex digits), which names
// its copy on disk.
func ID() string {
	idOnce.Do(func() {
		h := sha256.New()
		names := modelFiles()
		for _, n := range names {
			b, _ := fs.ReadFile(FS(), n)
			fmt.Fprintf(h, "%s %d\n", n, len(b))
			h.Write(b)
		}
		id = hex.EncodeToString(h.Sum(nil))[:16]
	})
	return id
}

func modelFiles() []string {
	var names []string
	fs.WalkDir(FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	return names
}

// complete marks a fully written copy.
const complete = ".complete"

// Dir returns a folder holding the model's files, writing them on first use
// under the user's cache directory (os.UserCacheDir()/gliner-go), or the
// temporary directory when there is none, in a folder named by [ID]. A copy
// is written to a temporary folder and renamed, so concurrent processes never
// see a partial one.
func Dir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir, err := materialize(filepath.Join(base, "gliner-go"))
	if err != nil && base != os.TempDir() {
		dir, err = materialize(filepath.Join(os.TempDir(), "gliner-go"))
	}
	return dir, err
}

func materialize(parent string) (string, error) {
	dir := filepath.Join(parent, "builtin-"+ID())
	if _, err := os.Stat(filepath.Join(dir, complete)); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("builtin: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "builtin-tmp-")
	if err != nil {
		return "", fmt.Errorf("builtin: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, n := range modelFiles() {
		b, err := fs.ReadFile(FS(), n)
		if err != nil {
			return "", fmt.Errorf("builtin: %w", err)
		}
		p := filepath.Join(tmp, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("builtin: %w", err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return "", fmt.Errorf("builtin: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, complete), []byte(ID()+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("builtin: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have won the race.
		if _, serr := os.Stat(filepath.Join(dir, complete)); serr == nil {
			return dir, nil
		}
		if errors.Is(err, fs.ErrExist) {
			os.RemoveAll(dir)
			if err := os.Rename(tmp, dir); err == nil {
				return dir, nil
			}
		}
		return "", fmt.Errorf("builtin: %w", err)
	}
	return dir, nil
}
