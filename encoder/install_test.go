package encoder

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const fakeMember = "package/bin/napi-v6/linux/x64/libonnxruntime.so.1"

// fakeTarball returns a gzip-compressed tar holding files (name → content).
func fakeTarball(tb testing.TB, files map[string][]byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write(files[n]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// fakeLib is the library inside the test tarball: large enough that a
// download cut in half is a real partial file.
var fakeLib = bytes.Repeat([]byte("not really ONNX Runtime\n"), 4096)

// tarServer serves one tarball and records the Range headers it received.
type tarServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	ranges  []string
	cut     bool // the next request stops half way
	noRange bool // ignore Range headers
}

func newTarServer(tb testing.TB, body []byte) *tarServer {
	s := &tarServer{body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

func (s *tarServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/onnxruntime-node.tgz" {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.ranges = append(s.ranges, r.Header.Get("Range"))
	cut := s.cut
	s.cut = false
	s.mu.Unlock()
	if cut {
		w.Header().Set("Content-Length", strconv.Itoa(len(s.body)))
		w.Write(s.body[:len(s.body)/2])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection drops mid-body
	}
	if s.noRange {
		r.Header.Del("Range")
	}
	http.ServeContent(w, r, "onnxruntime-node.tgz", time.Time{}, bytes.NewReader(s.body))
}

// testInstaller returns an installer whose pins describe tarball (served by
// srv) holding the library lib for linux/amd64.
func testInstaller(srv *tarServer, tarball, lib []byte) *installer {
	return &installer{
		pins: pinSet{
			version: "9.9.9",
			tarball: tarballPin{name: "onnxruntime-node-9.9.9.tgz", url: srv.URL + "/onnxruntime-node.tgz", size: int64(len(tarball)), sha256: sum(tarball)},
			libs: []libPin{{goos: "linux", goarch: "amd64", member: fakeMember,
				name: "libonnxruntime.so.1", alias: "libonnxruntime.so", sha256: sum(lib)}},
		},
		goos: "linux", goarch: "amd64", client: srv.Client(),
	}
}

// dirFiles lists the names in dir.
func dirFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// assertInstalled checks dir holds exactly the library and its alias.
func assertInstalled(tb testing.TB, dir, path string) {
	tb.Helper()
	if want := filepath.Join(dir, "libonnxruntime.so.1"); path != want {
		tb.Errorf("path %s, want %s", path, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "libonnxruntime.so"))
	if err != nil || !bytes.Equal(b, fakeLib) {
		tb.Errorf("library through the alias: %d bytes, err %v", len(b), err)
	}
	if got := strings.Join(dirFiles(tb, dir), ","); got != "libonnxruntime.so,libonnxruntime.so.1" {
		tb.Errorf("dir holds %s, want only the library and its alias", got)
	}
}

// assertNothingInstalled checks dir holds no library, temporary file or
// download.
func assertNothingInstalled(tb testing.TB, dir string) {
	tb.Helper()
	if names := dirFiles(tb, dir); len(names) != 0 {
		tb.Errorf("dir holds %v after a failed install, want nothing", names)
	}
}

func TestInstallDownloadsChecksAndIsIdempotent(t *testing.T) {
	tarball := fakeTarball(t, map[string][]byte{"package/package.json": []byte("{}"), fakeMember: fakeLib})
	srv := newTarServer(t, tarball)
	dir := filepath.Join(t.TempDir(), "ort")
	in := testInstaller(srv, tarball, fakeLib)
	path, err := in.install(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, dir, path)
	again, err := in.install(context.Background(), dir)
	if err != nil || again != path {
		t.Fatalf("second install: %q, %v", again, err)
	}
	if len(srv.ranges) != 1 {
		t.Errorf("%d requests, want 1 (the second install must not download)", len(srv.ranges))
	}
}

func TestInstallResumesInterruptedDownload(t *testing.T) {
	tarball := fakeTarball(t, map[string][]byte{fakeMember: fakeLib})
	srv := newTarServer(t, tarball)
	srv.cut = true
	dir := t.TempDir()
	in := testInstaller(srv, tarball, fakeLib)
	_, err := in.install(context.Background(), dir)
	var de *DownloadError
	if !errors.As(err, &de) || !errors.Is(err, ErrDownload) {
		t.Fatalf("interrupted download: got %v, want *DownloadError", err)
	}
	part := filepath.Join(dir, "onnxruntime-node-9.9.9.tgz.part")
	st, err := os.Stat(part)
	if err != nil || st.Size() != int64(len(tarball)/2) {
		t.Fatalf("partial file after the cut: %v, %v; want %d bytes", st, err, len(tarball)/2)
	}
	if _, err := os.Stat(filepath.Join(dir, "libonnxruntime.so.1")); err == nil {
		t.Fatal("library installed from a partial download")
	}
	path, err := in.install(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, dir, path)
	if want := "bytes=" + strconv.Itoa(len(tarball)/2) + "-"; len(srv.ranges) != 2 || srv.ranges[1] != want {
		t.Errorf("requests' Range headers %q, want the second to be %q", srv.ranges, want)
	}
}

func TestInstallRestartsWhenServerIgnoresRange(t *testing.T) {
	tarball := fakeTarball(t, map[string][]byte{fakeMember: fakeLib})
	srv := newTarServer(t, tarball)
	srv.noRange = true
	dir := t.TempDir()
	part := filepath.Join(dir, "onnxruntime-node-9.9.9.tgz.part")
	if err := os.WriteFile(part, tarball[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := testInstaller(srv, tarball, fakeLib).install(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, dir, path)
}

func TestInstallChecksumMismatchInstallsNothing(t *testing.T) {
	good := fakeTarball(t, map[string][]byte{fakeMember: fakeLib})
	corrupt := append([]byte(nil), good...)
	corrupt[len(corrupt)/2] ^= 0xff
	tests := []struct {
		name   string
		served []byte // what the server sends
		lib    []byte // the library the pins describe
		file   string // the checksum error's file ends with this
	}{
		{"corrupt tarball", corrupt, fakeLib, ".part"},
		{"library not the pinned one", good, []byte("another library"), ":" + fakeMember},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTarServer(t, tt.served)
			in := testInstaller(srv, good, tt.lib)
			dir := t.TempDir()
			_, err := in.install(context.Background(), dir)
			var ce *ChecksumError
			if !errors.As(err, &ce) || !errors.Is(err, ErrChecksum) {
				t.Fatalf("got %v, want *ChecksumError", err)
			}
			if !strings.HasSuffix(ce.File, tt.file) || ce.Got == ce.Want {
				t.Errorf("ChecksumError %+v", ce)
			}
			assertNothingInstalled(t, dir)
		})
	}
}

func TestInstallFrom(t *testing.T) {
	tarball := fakeTarball(t, map[string][]byte{fakeMember: fakeLib})
	srv := newTarServer(t, nil) // the registry: never asked
	mirror := newTarServer(t, tarball)
	file := filepath.Join(t.TempDir(), "downloaded.tgz")
	if err := os.WriteFile(file, tarball, 0o644); err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(t.TempDir(), "corrupt.tgz")
	if err := os.WriteFile(corrupt, tarball[:len(tarball)-1], 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from string
		wantErr    error
	}{
		{"file", file, nil},
		{"mirror URL", mirror.URL + "/onnxruntime-node.tgz", nil},
		{"corrupt file", corrupt, ErrChecksum},
		{"missing file", file + ".missing", os.ErrNotExist},
		{"mirror without the file", mirror.URL + "/elsewhere.tgz", ErrDownload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testInstaller(srv, tarball, fakeLib)
			InstallFrom(tt.from)(in)
			dir := t.TempDir()
			path, err := in.install(context.Background(), dir)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
				assertNothingInstalled(t, dir)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertInstalled(t, dir, path)
		})
	}
	if len(srv.ranges) != 0 {
		t.Errorf("the registry was asked %d times", len(srv.ranges))
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the user's own tarball was removed: %v", err)
	}
}

func TestInstallBadArchive(t *testing.T) {
	tests := map[string][]byte{
		"no library inside": fakeTarball(t, map[string][]byte{"package/README.md": []byte("hi")}),
		"not gzip":          []byte("plain text, not a tarball"),
	}
	for name, tarball := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newTarServer(t, tarball)
			dir := t.TempDir()
			_, err := testInstaller(srv, tarball, fakeLib).install(context.Background(), dir)
			if !errors.Is(err, ErrArchive) {
				t.Fatalf("got %v, want ErrArchive", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "libonnxruntime.so.1")); err == nil {
				t.Error("library installed from a bad archive")
			}
			for _, n := range dirFiles(t, dir) {
				if strings.Contains(n, ".tmp-") {
					t.Errorf("temporary file %s left behind", n)
				}
			}
		})
	}
}

func TestInstallUnsupportedPlatform(t *testing.T) {
	srv := newTarServer(t, nil)
	in := testInstaller(srv, nil, fakeLib)
	in.goos, in.goarch = "plan9", "386"
	_, err := in.install(context.Background(), t.TempDir())
	if !errors.Is(err, ErrUnsupportedPlatform) || !strings.Contains(err.Error(), "linux/amd64") {
		t.Fatalf("got %v", err)
	}
}

func TestInstallCancelled(t *testing.T) {
	tarball := fakeTarball(t, map[string][]byte{fakeMember: fakeLib})
	srv := newTarServer(t, tarball)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	_, err := testInstaller(srv, tarball, fakeLib).install(ctx, dir)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrDownload) {
		t.Fatalf("got %v, want a download error wrapping context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "libonnxruntime.so.1")); err == nil {
		t.Error("library installed although cancelled")
	}
}

func TestDefaultPins(t *testing.T) {
	p := defaultPins
	if p.version != PinnedRuntimeVersion {
		t.Errorf("ortpins.txt version %s, PinnedRuntimeVersion %s", p.version, PinnedRuntimeVersion)
	}
	if !strings.HasSuffix(p.tarball.url, "/"+p.tarball.name) || !strings.Contains(p.tarball.name, p.version) {
		t.Errorf("tarball pin %+v", p.tarball)
	}
	for _, l := range p.libs {
		if len(l.sha256) != 64 || !contains(libraryNames(l.goos), l.name) {
			t.Errorf("lib pin %+v: bad sum or a name discovery does not look for", l)
		}
	}
	if _, ok := p.lib("linux", "amd64"); !ok {
		t.Error("no linux/amd64 pin")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestParsePinsErrors(t *testing.T) {
	for name, text := range map[string]string{
		"empty":          "# nothing\n",
		"no lib":         "version 1\ntarball a.tgz https://x/a.tgz 10 ab\n",
		"bad size":       "version 1\ntarball a.tgz https://x/a.tgz ten ab\nlib linux amd64 m n a s\n",
		"unknown key":    "version 1\nmirror x\n",
		"missing fields": "version 1\nlib linux amd64 m\n",
	} {
		if _, err := parsePins(text); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestUserLibraryDir(t *testing.T) {
	base := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", base)
	t.Setenv("HOME", base) // macOS uses $HOME/Library/Caches
	want, _ := os.UserCacheDir()
	dir, err := UserLibraryDir()
	if err != nil || dir != filepath.Join(want, "gliner", "onnxruntime", PinnedRuntimeVersion) {
		t.Fatalf("UserLibraryDir() = %q, %v", dir, err)
	}
}
