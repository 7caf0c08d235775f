package encoder

// This file needs no cgo: Install works in binaries built with
// CGO_ENABLED=0, which can set up the library for another program.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// InstallOption configures [Install].
type InstallOption func(*installer)

// InstallFrom takes the onnxruntime-node tarball from src instead of the npm
// registry: an http:// or https:// URL (a mirror) or a file already
// downloaded. It is checked against the same sha256 pins.
func InstallFrom(src string) InstallOption {
	return func(in *installer) { in.from = src }
}

// InstallLog writes progress lines (download started, resumed, installed)
// to w.
func InstallLog(w io.Writer) InstallOption {
	return func(in *installer) { in.log = w }
}

// installer holds everything Install depends on, so tests can use their own
// pins, platform and HTTP client.
type installer struct {
	pins         pinSet
	goos, goarch string
	from         string
	client       *http.Client
	log          io.Writer
}

// UserLibraryDir returns the per-user folder where [Install] puts the
// library by default and where discovery looks for it:
// os.UserCacheDir()/gliner/onnxruntime/<PinnedRuntimeVersion>.
func UserLibraryDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("encoder: no per-user cache directory: %w", err)
	}
	return filepath.Join(base, "gliner", "onnxruntime", PinnedRuntimeVersion), nil
}

// Install puts the pinned ONNX Runtime ([PinnedRuntimeVersion]) for the
// running OS and architecture into dir ([UserLibraryDir] when dir is "")
// and returns the library's path. Discovery finds it there without any
// option or environment variable.
//
// The library comes from the npm package onnxruntime-node (the registry
// tarball, or [InstallFrom]); the tarball and the library taken out of it
// must match the sha256 sums pinned in the module. Install is idempotent: a
// library already in dir with the pinned sum is kept and nothing is
// downloaded. The download goes to a ".part" file in dir; an interrupted
// download resumes from it on the next call (HTTP Range). The library is
// written to a temporary file and renamed into place, so no reader ever sees
// a partial file; on a checksum mismatch nothing is installed and the
// download is deleted. The tarball is deleted after a successful install.
// Two Install calls must not run at the same time on the same dir.
//
// Errors wrap [ErrUnsupportedPlatform], [ErrDownload] (*[DownloadError]),
// [ErrChecksum] (*[ChecksumError]) or [ErrArchive], or are file system
// errors.
func Install(ctx context.Context, dir string, opts ...InstallOption) (string, error) {
	in := &installer{pins: defaultPins, goos: runtime.GOOS, goarch: runtime.GOARCH, client: http.DefaultClient}
	for _, o := range opts {
		o(in)
	}
	return in.install(ctx, dir)
}

func (in *installer) install(ctx context.Context, dir string) (string, error) {
	lib, ok := in.pins.lib(in.goos, in.goarch)
	if !ok {
		return "", fmt.Errorf("%w: %s/%s (pinned builds: %s); install ONNX Runtime >= %s yourself and set %s",
			ErrUnsupportedPlatform, in.goos, in.goarch, in.pins.platforms(), MinRuntimeVersion, LibraryPathEnv)
	}
	if dir == "" {
		var err error
		if dir, err = UserLibraryDir(); err != nil {
			return "", err
		}
	}
	dest := filepath.Join(dir, lib.name)
	if sum, err := fileSHA256(dest); err == nil && sum == lib.sha256 {
		in.logf("ONNX Runtime %s already installed: %s\n", in.pins.version, dest)
		in.link(dir, lib)
		return dest, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("encoder: install: %w", err)
	}
	tarball, done, err := in.fetch(ctx, dir)
	if err != nil {
		return "", err
	}
	err = extractLibrary(tarball, lib, dest)
	done() // a checked tarball whose library fails its check is of no use either
	if err != nil {
		return "", err
	}
	in.link(dir, lib)
	in.logf("installed ONNX Runtime %s: %s\n", in.pins.version, dest)
	return dest, nil
}

// platforms lists the pinned GOOS/GOARCH pairs, for messages.
func (p pinSet) platforms() string {
	var s []string
	for _, l := range p.libs {
		s = append(s, l.goos+"/"+l.goarch)
	}
	return strings.Join(s, ", ")
}

// link makes the alias name point at the library, where the file system
// allows it. Discovery tries the installed name first, so a missing alias
// does not matter to this package; it helps other loaders.
func (in *installer) link(dir string, lib libPin) {
	if lib.alias == "" || lib.alias == lib.name || in.goos == "windows" {
		return
	}
	alias := filepath.Join(dir, lib.alias)
	if st, err := os.Lstat(alias); err == nil && st.Mode()&os.ModeSymlink == 0 {
		return // a real file someone put there: leave it
	}
	tmp := alias + ".tmp-link"
	os.Remove(tmp)
	if err := os.Symlink(lib.name, tmp); err != nil {
		return // no symbolic links on this file system
	}
	if err := os.Rename(tmp, alias); err != nil {
		os.Remove(tmp)
	}
}

func (in *installer) logf(format string, args ...any) {
	if in.log != nil {
		fmt.Fprintf(in.log, format, args...)
	}
}

// fetch returns a tarball file that matches the pinned sum, and a function
// that deletes it if it is a download (a user's own file is kept).
func (in *installer) fetch(ctx context.Context, dir string) (path string, done func(), err error) {
	t := in.pins.tarball
	src := in.from
	if src == "" {
		src = t.url
	}
	if !isURL(src) {
		if err := checkFile(src, t.sha256); err != nil {
			return "", nil, err
		}
		return src, func() {}, nil
	}
	part := filepath.Join(dir, t.name+".part")
	if err := in.download(ctx, src, part, t.size); err != nil {
		return "", nil, err
	}
	if err := checkFile(part, t.sha256); err != nil {
		os.Remove(part)
		return "", nil, err
	}
	return part, func() { os.Remove(part) }, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// checkFile compares a file's sha256 with want.
func checkFile(path, want string) error {
	got, err := fileSHA256(path)
	if err != nil {
		return fmt.Errorf("encoder: install: %w", err)
	}
	if got != want {
		return &ChecksumError{File: path, Got: got, Want: want}
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
