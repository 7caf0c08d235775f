package gliner

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A model folder is untrusted input: it may come from anywhere, and its
// files are read before anything else is known about it. [Open] checks the
// whole folder once, before reading any file (checkFolder), and reads its
// JSON configuration files with a size limit (readConfigFile). The
// tokenizer files have their own limits (package tokenize, ErrLimit).

// ErrUnsafeFile reports a model folder entry that [Open] refuses to read: a
// symbolic link that leads outside the folder (unless [WithOutsideLinks]),
// a file that is not a regular file (a device, a named pipe, a socket), or
// a [WithONNXFile] path that leaves the folder.
var ErrUnsafeFile = errors.New("gliner: unsafe model file")

// MaxConfigBytes bounds the size of the JSON configuration files Open
// reads itself (gliner_config.json, config.json, tokenizer_config.json);
// real ones are a few kilobytes. A larger file is an [ErrBadConfig].
const MaxConfigBytes = 16 << 20

// WithOutsideLinks lets the files of a model folder be symbolic links to
// files outside it, for folders assembled from links into a store the
// caller trusts. By default Open refuses such links with [ErrUnsafeFile],
// except those of a Hugging Face cache snapshot
// (<repo>/snapshots/<commit>/<file> → <repo>/blobs/<hash>). Link targets
// must still be regular files or folders.
func WithOutsideLinks() Option { return func(c *openConfig) { c.outsideLinks = true } }

// checkFolder walks the model folder dir (without following links) and
// refuses, with a *ModelError wrapping ErrUnsafeFile, any entry that is not
// a regular file or folder and any symbolic link leading outside the
// folder. Every file Open and its packages read (configs, tokenizers,
// graphs and their external data) lies in the folder, so this one check
// covers them all. A dir that does not exist is left to readConfig to
// report.
func checkFolder(dir string, outsideLinks bool) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return &ModelError{Dir: dir, Err: err}
	}
	root, err := filepath.EvalSymlinks(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &ModelError{Dir: dir, Err: err}
	}
	fc := folderCheck{dir: dir, root: root, inside: insideRoots(root), outsideLinks: outsideLinks}
	return filepath.WalkDir(root, fc.entry)
}

// folderCheck is the state of one checkFolder walk.
type folderCheck struct {
	dir          string   // as given to Open, for errors
	root         string   // dir, absolute with its links resolved
	inside       []string // where links may lead
	outsideLinks bool
}

// insideRoots returns the folders links of root may lead into: root and,
// for a Hugging Face cache snapshot, its repository's blobs.
func insideRoots(root string) []string {
	roots := []string{root}
	commitDir := filepath.Dir(root)
	if filepath.Base(commitDir) != "snapshots" {
		return roots
	}
	blobs := filepath.Join(filepath.Dir(commitDir), "blobs")
	if st, err := os.Stat(blobs); err == nil && st.IsDir() {
		roots = append(roots, blobs)
	}
	return roots
}

// entry checks one entry of the walk.
func (fc *folderCheck) entry(p string, d fs.DirEntry, err error) error {
	if err != nil {
		return &ModelError{Dir: fc.dir, File: fc.rel(p), Err: err}
	}
	switch t := d.Type(); {
	case t.IsDir() || t.IsRegular():
		return nil
	case t&fs.ModeSymlink != 0:
		return fc.link(p)
	default:
		return fc.unsafe(p, "not a regular file (%v)", t)
	}
}

// link checks a symbolic link: it must lead to a regular file or folder
// inside the folder (or anywhere, with outsideLinks). Dangling links are
// never read and pass.
func (fc *folderCheck) link(p string) error {
	target, err := filepath.EvalSymlinks(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &ModelError{Dir: fc.dir, File: fc.rel(p), Err: fmt.Errorf("%w: %v", ErrUnsafeFile, err)}
	}
	if !fc.outsideLinks && !within(target, fc.inside) {
		return fc.unsafe(p, "a symbolic link to %s, outside the folder (see WithOutsideLinks)", target)
	}
	st, err := os.Stat(target)
	if err != nil {
		return &ModelError{Dir: fc.dir, File: fc.rel(p), Err: err}
	}
	if !st.IsDir() && !st.Mode().IsRegular() {
		return fc.unsafe(p, "a symbolic link to %s, not a regular file (%v)", target, st.Mode().Type())
	}
	return nil
}

func (fc *folderCheck) unsafe(p, format string, args ...any) error {
	return &ModelError{Dir: fc.dir, File: fc.rel(p), Err: fmt.Errorf("%w: "+format, append([]any{ErrUnsafeFile}, args...)...)}
}

// rel names p relative to the folder in errors.
func (fc *folderCheck) rel(p string) string {
	if r, err := filepath.Rel(fc.root, p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}

// within reports whether path is one of roots or lies under one.
func within(path string, roots []string) bool {
	for _, r := range roots {
		if rel, err := filepath.Rel(r, path); err == nil && filepath.IsLocal(rel) {
			return true
		}
	}
	return false
}

// checkLocal refuses a [WithONNXFile] path that leaves the folder.
func checkLocal(dir, rel string) error {
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return &ModelError{Dir: dir, File: rel, Err: fmt.Errorf("%w: the path leaves the model folder", ErrUnsafeFile)}
	}
	return nil
}

// readConfigFile reads a JSON configuration file of the folder, refusing
// one larger than MaxConfigBytes with a *ConfigError wrapping ErrBadConfig.
// File system errors (fs.ErrNotExist, ...) are returned as they are.
func readConfigFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readConfigBytes(f, path)
}

// readConfigBytes reads r to its end, or fails after MaxConfigBytes.
func readConfigBytes(r io.Reader, path string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxConfigBytes {
		return nil, &ConfigError{Path: path, Err: fmt.Errorf("%w: larger than %d bytes", ErrBadConfig, MaxConfigBytes)}
	}
	return b, nil
}

// checkIDs refuses a tokenizer with ids beyond the config's vocab_size, the
// rows of the encoder's embedding: the graph would fail on the first text
// holding such a token. A vocab_size of -1 (unknown) checks nothing.
func (m *Model) checkIDs() error {
	p, ok := m.tok.(interface{ MaxID() int })
	if !ok || m.cfg.VocabSize <= 0 {
		return nil
	}
	if mx := p.MaxID(); mx >= m.cfg.VocabSize {
		return &ModelError{Dir: m.dir, File: "tokenizer", Err: fmt.Errorf("%w: the tokenizer has ids up to %d but gliner_config.json's vocab_size is %d", ErrMismatch, mx, m.cfg.VocabSize)}
	}
	return nil
}
