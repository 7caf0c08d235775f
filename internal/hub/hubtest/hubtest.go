package hubtest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Repo is a repository at one commit.
type Repo struct {
	Name   string // owner/name
	Commit string // 40 hex digits
	Files  map[string][]byte
	// LFS marks the files stored with Git LFS (by default every .onnx file).
	LFS map[string]bool
}

// RepoFromDir loads every file below dir into a repository; .onnx and
// .onnx_data files are LFS files.
func RepoFromDir(tb testing.TB, name, commit, dir string) Repo {
	tb.Helper()
	r := Repo{Name: name, Commit: commit, Files: map[string][]byte{}, LFS: map[string]bool{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		r.Files[rel] = b
		if strings.HasSuffix(rel, ".onnx") || strings.HasSuffix(rel, ".onnx_data") {
			r.LFS[rel] = true
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// Server is the fake hub.
type Server struct {
	*httptest.Server
	token string
	repos map[string]Repo

	mu   sync.Mutex
	gets map[string]int
}

// New starts a fake hub serving repos; with a token, requests other than
// the CDN downloads must carry "Authorization: Bearer <token>". The server
// is closed when the test ends.
func New(tb testing.TB, token string, repos ...Repo) *Server {
	s := &Server{token: token, repos: map[string]Repo{}, gets: map[string]int{}}
	for _, r := range repos {
		s.repos[r.Name] = r
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// Gets returns how many times a file's content was requested.
func (s *Server) Gets(repo, file string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[repo+"/"+file]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/cdn/") {
		s.file(w, r, strings.TrimPrefix(p, "/cdn/"))
		return
	}
	if s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	if rest, ok := strings.CutPrefix(p, "/api/models/"); ok {
		s.listing(w, r, rest)
		return
	}
	for name, repo := range s.repos {
		rest, ok := strings.CutPrefix(p, "/"+name+"/resolve/")
		if !ok {
			continue
		}
		rev, file, _ := strings.Cut(rest, "/")
		if rev != repo.Commit && rev != "main" {
			break
		}
		body, ok := repo.Files[file]
		if !ok {
			break
		}
		w.Header().Set("X-Repo-Commit", repo.Commit)
		if repo.LFS[file] {
			w.Header().Set("X-Linked-Etag", `"`+sha256Hex(body)+`"`)
			w.Header().Set("X-Linked-Size", fmt.Sprint(len(body)))
			http.Redirect(w, r, "/cdn/"+name+"/"+file, http.StatusFound)
			return
		}
		w.Header().Set("ETag", `"`+GitBlobID(body)+`"`)
		s.file(w, r, name+"/"+file)
		return
	}
	http.NotFound(w, r)
}

// listing answers /api/models/{owner}/{name}/revision/{rev}.
func (s *Server) listing(w http.ResponseWriter, r *http.Request, rest string) {
	i := strings.Index(rest, "/revision/")
	if i < 0 {
		http.NotFound(w, r)
		return
	}
	repo, ok := s.repos[rest[:i]]
	rev := rest[i+len("/revision/"):]
	if !ok || (rev != "main" && rev != repo.Commit) {
		http.NotFound(w, r)
		return
	}
	type lfs struct {
		SHA256 string `json:"sha256"`
		Size   int    `json:"size"`
	}
	type sibling struct {
		Name   string `json:"rfilename"`
		Size   int    `json:"size"`
		BlobID string `json:"blobId"`
		LFS    *lfs   `json:"lfs,omitempty"`
	}
	var sibs []sibling
	for name, b := range repo.Files {
		sb := sibling{Name: name, Size: len(b), BlobID: GitBlobID(b)}
		if repo.LFS[name] {
			sb.LFS = &lfs{SHA256: sha256Hex(b), Size: len(b)}
		}
		sibs = append(sibs, sb)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"id": repo.Name, "sha": repo.Commit, "siblings": sibs})
}

// file serves repo/path with Range support.
func (s *Server) file(w http.ResponseWriter, r *http.Request, key string) {
	owner, afterOwner, _ := strings.Cut(key, "/")
	name, rest, _ := strings.Cut(afterOwner, "/")
	repo, ok := s.repos[owner+"/"+name]
	body, found := repo.Files[rest]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.gets[repo.Name+"/"+rest]++
	s.mu.Unlock()
	http.ServeContent(w, r, rest, repoTime, strings.NewReader(string(body)))
}

// GitBlobID is git's blob hash of b, the hub's blobId of a non-LFS file.
func GitBlobID(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

var repoTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
