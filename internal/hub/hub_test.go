package hub

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeHub speaks the hub's listing and file-resolution protocol for one
// repository: LFS files answer /resolve with a 302 to /cdn/<sha256> carrying
// X-Repo-Commit, X-Linked-Etag and X-Linked-Size; other files are served
// directly with ETag. /cdn honours Range requests.
type fakeHub struct {
	repo, commit, token string
	files               map[string][]byte
	lfs                 map[string]bool

	mu       sync.Mutex
	dropOnce map[string]int // file: drop the connection after this many bytes, once
	corrupt  map[string]int // file: serve flipped bytes this many times
	gets     map[string]int // file: content requests
	ranges   []string       // Range headers seen
	authBad  int            // requests without the right token
	outage   bool           // answer everything with 503
}

func newFakeHub(t *testing.T) (*fakeHub, *httptest.Server) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	onnx := make([]byte, 300_000)
	for i := range onnx {
		onnx[i] = byte(r.IntN(256))
	}
	f := &fakeHub{
		repo: "acme/gliner-tiny", commit: strings.Repeat("ab12", 10), token: "secret",
		files: map[string][]byte{
			"gliner_config.json":        []byte(`{"max_width":12}`),
			"tokenizer.json":            []byte(`{"model":{}}`),
			"tokenizer_config.json":     []byte(`{}`),
			"README.md":                 []byte("# tiny"),
			"onnx/model.onnx":           onnx,
			"onnx/model_fp16.onnx":      onnx[:1000],
			"onnx/model_quantized.onnx": onnx[:2000],
		},
		lfs:      map[string]bool{"onnx/model.onnx": true, "onnx/model_fp16.onnx": true, "onnx/model_quantized.onnx": true},
		dropOnce: map[string]int{}, corrupt: map[string]int{}, gets: map[string]int{},
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func gitBlobID(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func sha256hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func (f *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	f.mu.Lock()
	outage := f.outage
	f.mu.Unlock()
	if outage {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if !strings.HasPrefix(p, "/cdn/") && r.Header.Get("Authorization") != "Bearer "+f.token {
		f.mu.Lock()
		f.authBad++
		f.mu.Unlock()
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	switch {
	case strings.HasPrefix(p, "/api/models/"+f.repo+"/revision/"):
		rev := strings.TrimPrefix(p, "/api/models/"+f.repo+"/revision/")
		if rev != "main" && rev != f.commit {
			http.NotFound(w, r)
			return
		}
		f.listing(w)
	case strings.HasPrefix(p, "/"+f.repo+"/resolve/"+f.commit+"/"):
		name := strings.TrimPrefix(p, "/"+f.repo+"/resolve/"+f.commit+"/")
		body, ok := f.files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Repo-Commit", f.commit)
		if f.lfs[name] {
			w.Header().Set("X-Linked-Etag", `"`+sha256hex(body)+`"`)
			w.Header().Set("X-Linked-Size", fmt.Sprint(len(body)))
			http.Redirect(w, r, "/cdn/"+name, http.StatusFound)
			return
		}
		w.Header().Set("ETag", `"`+gitBlobID(body)+`"`)
		f.serve(w, r, name, body)
	case strings.HasPrefix(p, "/cdn/"):
		name := strings.TrimPrefix(p, "/cdn/")
		f.serve(w, r, name, f.files[name])
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeHub) listing(w http.ResponseWriter) {
	var sib []Sibling
	for name, b := range f.files {
		s := Sibling{Name: name, Size: int64(len(b)), BlobID: gitBlobID(b)}
		if f.lfs[name] {
			s.LFS = &LFS{SHA256: sha256hex(b), Size: int64(len(b))}
		}
		sib = append(sib, s)
	}
	json.NewEncoder(w).Encode(RepoInfo{SHA: f.commit, Siblings: sib})
}

// serve sends body with Range support, dropping the connection or
// corrupting the content when told to.
func (f *fakeHub) serve(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	f.mu.Lock()
	f.gets[name]++
	if rg := r.Header.Get("Range"); rg != "" {
		f.ranges = append(f.ranges, name+" "+rg)
	}
	drop, dropping := f.dropOnce[name]
	delete(f.dropOnce, name)
	corrupt := f.corrupt[name] > 0
	if corrupt {
		f.corrupt[name]--
	}
	f.mu.Unlock()
	if corrupt {
		body = append([]byte(nil), body...)
		body[len(body)/2] ^= 0xff
	}
	start := 0
	if rg := r.Header.Get("Range"); rg != "" {
		fmt.Sscanf(rg, "bytes=%d-", &start)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(body)-1, len(body)))
		w.Header().Set("Content-Length", fmt.Sprint(len(body)-start))
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	}
	rest := body[start:]
	if dropping {
		w.Write(rest[:drop])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection is cut mid-file
	}
	w.Write(rest)
}

func testClient(t *testing.T, srv *httptest.Server) (*Client, *[]string) {
	t.Helper()
	var logs []string
	var mu sync.Mutex
	c := &Client{Endpoint: srv.URL, Token: "secret", Cache: t.TempDir(), Retries: 3, HTTP: srv.Client(),
		Logf: func(format string, args ...any) {
			mu.Lock()
			logs = append(logs, fmt.Sprintf(format, args...))
			mu.Unlock()
		}}
	return c, &logs
}

func checkSnapshot(t *testing.T, f *fakeHub, snap *Snapshot, want ...string) {
	t.Helper()
	if strings.Join(snap.Files, ",") != strings.Join(want, ",") {
		t.Errorf("files = %v, want %v", snap.Files, want)
	}
	for _, name := range want {
		got, err := os.ReadFile(filepath.Join(snap.Dir, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, f.files[name]) {
			t.Errorf("%s: content differs (err %v)", name, err)
		}
	}
}

func TestDownloadLayout(t *testing.T) {
	f, srv := newFakeHub(t)
	c, _ := testClient(t, srv)
	ref, _ := ParseRef(f.repo)
	snap, err := c.Download(context.Background(), ref, FP32)
	if err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, f, snap, "gliner_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx")
	repoDir := filepath.Join(c.Cache, "models--acme--gliner-tiny")
	if snap.Dir != filepath.Join(repoDir, "snapshots", f.commit) || snap.Commit != f.commit || snap.FromCache {
		t.Errorf("snapshot = %+v", snap)
	}
	if b, _ := os.ReadFile(filepath.Join(repoDir, "refs", "main")); string(b) != f.commit {
		t.Errorf("refs/main = %q", b)
	}
	// Symlinks relative to the blobs, named by sha256 (LFS) or git blob id.
	for name, target := range map[string]string{
		"onnx/model.onnx":    "../../../blobs/" + sha256hex(f.files["onnx/model.onnx"]),
		"gliner_config.json": "../../blobs/" + gitBlobID(f.files["gliner_config.json"]),
	} {
		got, err := os.Readlink(filepath.Join(snap.Dir, name))
		if err != nil || got != target {
			t.Errorf("%s -> %q (%v), want %q", name, got, err, target)
		}
	}
	if f.authBad != 0 {
		t.Errorf("%d requests without the bearer token", f.authBad)
	}
	if snap.Fetched != int64(len(f.files["onnx/model.onnx"])+len(f.files["gliner_config.json"])+len(f.files["tokenizer.json"])+len(f.files["tokenizer_config.json"])) {
		t.Errorf("fetched %d bytes", snap.Fetched)
	}
	// A second download fetches nothing.
	snap, err = c.Download(context.Background(), ref, FP32)
	if err != nil || snap.Fetched != 0 || f.gets["onnx/model.onnx"] != 1 {
		t.Errorf("second download: %v, fetched %d, gets %d", err, snap.Fetched, f.gets["onnx/model.onnx"])
	}
	// --dir: a plain copy.
	out := t.TempDir()
	if err := snap.CopyTo(out); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(filepath.Join(out, "onnx", "model.onnx")); err != nil || !st.Mode().IsRegular() || st.Size() != 300_000 {
		t.Errorf("copied model: %v %v", st, err)
	}
}

func TestDownloadVariants(t *testing.T) {
	f, srv := newFakeHub(t)
	c, _ := testClient(t, srv)
	ref := Ref{Repo: f.repo, Revision: f.commit}
	snap, err := c.Download(context.Background(), ref, INT8)
	if err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, f, snap, "gliner_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model_quantized.onnx")
	if _, err := os.Stat(filepath.Join(c.Cache, "models--acme--gliner-tiny", "refs")); !os.IsNotExist(err) {
		t.Errorf("a commit revision wrote a ref: %v", err)
	}
	snap, err = c.Download(context.Background(), ref, FP16)
	if err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, f, snap, "gliner_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model_fp16.onnx")
	delete(f.files, "onnx/model_fp16.onnx")
	if _, err := c.Download(context.Background(), ref, FP16); !errors.Is(err, ErrNoVariant) {
		t.Errorf("missing fp16: err = %v, want ErrNoVariant", err)
	}
	delete(f.files, "gliner_config.json")
	if _, err := c.Download(context.Background(), ref, FP32); !errors.Is(err, ErrNotGLiNER) {
		t.Errorf("no config: err = %v, want ErrNotGLiNER", err)
	}
}

func TestDownloadErrors(t *testing.T) {
	f, srv := newFakeHub(t)
	c, _ := testClient(t, srv)
	if _, err := c.Download(context.Background(), Ref{Repo: "acme/missing", Revision: "main"}, FP32); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing repo: err = %v, want ErrNotFound", err)
	}
	if _, err := c.Download(context.Background(), Ref{Repo: f.repo, Revision: "v9"}, FP32); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing revision: err = %v, want ErrNotFound", err)
	}
	c.Token = ""
	var he *HTTPError
	if _, err := c.Download(context.Background(), Ref{Repo: f.repo, Revision: "main"}, FP32); !errors.Is(err, ErrUnauthorized) || !errors.As(err, &he) || he.Status != 401 {
		t.Errorf("no token: err = %v, want ErrUnauthorized", err)
	}
}

// TestResumeInterrupted: the server cuts the connection in the middle of the
// model once; the client resumes with a Range request within the same call.
func TestResumeInterrupted(t *testing.T) {
	f, srv := newFakeHub(t)
	c, logs := testClient(t, srv)
	f.dropOnce["onnx/model.onnx"] = 120_000
	snap, err := c.Download(context.Background(), Ref{Repo: f.repo, Revision: "main"}, FP32)
	if err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, f, snap, "gliner_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx")
	if strings.Join(f.ranges, ";") != "onnx/model.onnx bytes=120000-" {
		t.Errorf("range requests = %v, want one resuming at 120000", f.ranges)
	}
	if f.gets["onnx/model.onnx"] != 2 {
		t.Errorf("model fetched %d times, want 2", f.gets["onnx/model.onnx"])
	}
	t.Logf("log: %q", *logs)
}

// TestResumeNextCall: with no retries the interrupted call fails and leaves
// blobs/<sha>.incomplete; the next call resumes from it.
func TestResumeNextCall(t *testing.T) {
	f, srv := newFakeHub(t)
	c, _ := testClient(t, srv)
	c.Retries = 0
	f.dropOnce["onnx/model.onnx"] = 50_000
	ref := Ref{Repo: f.repo, Revision: "main"}
	if _, err := c.Download(context.Background(), ref, FP32); err == nil {
		t.Fatal("interrupted download succeeded")
	}
	partial := filepath.Join(c.Cache, "models--acme--gliner-tiny", "blobs", sha256hex(f.files["onnx/model.onnx"])+".incomplete")
	if st, err := os.Stat(partial); err != nil || st.Size() != 50_000 {
		t.Fatalf("partial file: %v %v", st, err)
	}
	if _, err := c.Cached(ref, FP32); !errors.Is(err, ErrNotCached) {
		t.Errorf("half-downloaded revision is cached: %v", err)
	}
	snap, err := c.Download(context.Background(), ref, FP32)
	if err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, f, snap, "gliner_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx")
	if strings.Join(f.ranges, ";") != "onnx/model.onnx bytes=50000-" || snap.Fetched != 250_000 {
		t.Errorf("ranges %v, fetched %d (want 250000)", f.ranges, snap.Fetched)
	}
}

// TestCorruptDownload: corrupt bytes from the server are detected by the
// sha256 check, deleted and fetched again; persistent corruption is an error.
func TestCorruptDownload(t *testing.T) {
	f, srv := newFakeHub(t)
	c, logs := testClient(t, srv)
	f.corrupt["onnx/model.onnx"] = 1
	f.corrupt["gliner_config.json"] = 1 // a non-LFS file, checked by git blob id
	ref := Ref{Repo: f.repo, Revision: "main"}
	snap, err := c.Download(context.Background(), ref, FP32)
	if err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, f, snap, "gliner_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx")
	if f.gets["onnx/model.onnx"] != 2 || f.gets["gliner_config.json"] != 2 {
		t.Errorf("gets = %v, want 2 each for the corrupted files", f.gets)
	}
	if !strings.Contains(strings.Join(*logs, "\n"), "checksum mismatch") {
		t.Errorf("no checksum message in %q", *logs)
	}

	// Corruption in the cache is found on the next download.
	blob := filepath.Join(c.Cache, "models--acme--gliner-tiny", "blobs", sha256hex(f.files["onnx/model.onnx"]))
	b, _ := os.ReadFile(blob)
	b[10] ^= 1
	os.WriteFile(blob, b, 0o644)
	if _, err := c.Download(context.Background(), ref, FP32); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(snap.Dir, "onnx", "model.onnx")); !bytes.Equal(got, f.files["onnx/model.onnx"]) || f.gets["onnx/model.onnx"] != 3 {
		t.Errorf("corrupt cache blob not re-fetched (gets %d)", f.gets["onnx/model.onnx"])
	}

	// Always corrupt: ErrChecksum after the retries, nothing left behind.
	c2, _ := testClient(t, srv)
	f.corrupt["onnx/model.onnx"] = 100
	if _, err := c2.Download(context.Background(), ref, FP32); !errors.Is(err, ErrChecksum) {
		t.Errorf("err = %v, want ErrChecksum", err)
	}
	left, _ := filepath.Glob(filepath.Join(c2.Cache, "models--acme--gliner-tiny", "blobs", sha256hex(f.files["onnx/model.onnx"])+"*"))
	if len(left) != 0 {
		t.Errorf("corrupt files left: %v", left)
	}
}

// TestOffline: after one download, the cache serves the model with
// HF_HUB_OFFLINE and when the endpoint is unreachable.
func TestOffline(t *testing.T) {
	f, srv := newFakeHub(t)
	c, logs := testClient(t, srv)
	ref := Ref{Repo: f.repo, Revision: "main"}
	if _, err := c.Download(context.Background(), ref, FP32); err != nil {
		t.Fatal(err)
	}
	// A hub answering 503 (an outage) also falls back to the cache.
	f.mu.Lock()
	f.outage = true
	f.mu.Unlock()
	if snap, err := c.Download(context.Background(), ref, FP32); err != nil || !snap.FromCache {
		t.Errorf("hub outage: %v %+v", err, snap)
	}
	srv.Close()
	c.Offline = true
	snap, err := c.Download(context.Background(), ref, FP32)
	if err != nil {
		t.Fatal(err)
	}
	if !snap.FromCache || snap.Commit != f.commit {
		t.Errorf("offline snapshot = %+v", snap)
	}
	checkSnapshot(t, f, snap, "gliner_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx")
	if _, err := c.Download(context.Background(), ref, FP16); !errors.Is(err, ErrNotCached) {
		t.Errorf("offline fp16 never fetched: err = %v, want ErrNotCached", err)
	}
	c.Offline = false
	snap, err = c.Download(context.Background(), ref, FP32)
	if err != nil || !snap.FromCache {
		t.Fatalf("unreachable endpoint: %v %+v", err, snap)
	}
	if !strings.Contains(strings.Join(*logs, "\n"), "unreachable") {
		t.Errorf("no warning about the unreachable endpoint: %q", *logs)
	}
	c.Cache = t.TempDir()
	if _, err := c.Download(context.Background(), ref, FP32); err == nil || errors.Is(err, ErrNotCached) {
		t.Errorf("unreachable and nothing cached: err = %v, want the network error", err)
	}
}

func TestParseRefAndEnv(t *testing.T) {
	for in, want := range map[string]Ref{
		"Ihor/gliner-biomed-small-v1.0":       {"Ihor/gliner-biomed-small-v1.0", "main"},
		"onnx-community/gliner_small-v2.1@v2": {"onnx-community/gliner_small-v2.1", "v2"},
	} {
		if got, err := ParseRef(in); err != nil || got != want {
			t.Errorf("ParseRef(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "noslash", "a/b/c", "../x", "a/..", "a/b@..", "/x"} {
		if _, err := ParseRef(bad); !errors.Is(err, ErrBadRepo) {
			t.Errorf("ParseRef(%q): err = %v", bad, err)
		}
	}
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", "/h")
	if CacheDir() != filepath.Join("/h", "hub") {
		t.Errorf("HF_HOME: %s", CacheDir())
	}
	t.Setenv("HF_HUB_CACHE", "/c")
	t.Setenv("HF_ENDPOINT", "http://mirror.example/")
	t.Setenv("HF_TOKEN", "tok")
	t.Setenv("HF_HUB_OFFLINE", "1")
	c := NewClient()
	if c.Cache != "/c" || c.Endpoint != "http://mirror.example" || c.Token != "tok" || !c.Offline {
		t.Errorf("client from env = %+v", c)
	}
	if v, err := ParseVariant("int8"); err != nil || v != INT8 || v.String() != "int8" {
		t.Errorf("ParseVariant: %v %v", v, err)
	}
	if _, err := ParseVariant("fp8"); !errors.Is(err, ErrBadVariant) {
		t.Errorf("fp8: %v", err)
	}
}
