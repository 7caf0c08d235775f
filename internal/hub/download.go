package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// RepoInfo is the part of the hub's model listing that Download uses.
type RepoInfo struct {
	// SHA is the commit the revision resolved to.
	SHA      string    `json:"sha"`
	Siblings []Sibling `json:"siblings"`
}

// Sibling is one file of a repository.
type Sibling struct {
	Name   string `json:"rfilename"`
	Size   int64  `json:"size"`
	BlobID string `json:"blobId"`
	LFS    *LFS   `json:"lfs,omitempty"`
}

// LFS is the Git LFS metadata of a large file.
type LFS struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// etag is the name of the file's blob in the cache: the sha256 of an LFS
// file, the git blob id otherwise.
func (s Sibling) etag() string {
	if s.LFS != nil && s.LFS.SHA256 != "" {
		return s.LFS.SHA256
	}
	return s.BlobID
}

func (s Sibling) size() int64 {
	if s.LFS != nil && s.LFS.Size > 0 {
		return s.LFS.Size
	}
	return s.Size
}

// Snapshot is a model folder in the cache.
type Snapshot struct {
	// Dir is snapshots/<commit> of the repository's cache folder.
	Dir    string
	Commit string
	// Files are the selected files, relative to Dir, slash-separated.
	Files []string
	// FromCache reports that no network was used (offline or unreachable).
	FromCache bool
	// Fetched counts the bytes downloaded by this call.
	Fetched int64
}

// Info lists a repository at a revision.
func (c *Client) Info(ctx context.Context, repo, revision string) (*RepoInfo, error) {
	u := fmt.Sprintf("%s/api/models/%s/revision/%s?blobs=true", c.Endpoint, repo, url.PathEscape(revision))
	req, err := c.newRequest(ctx, http.MethodGet, u)
	if err != nil {
		return nil, err
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{URL: u, Status: resp.StatusCode}
	}
	var info RepoInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&info); err != nil {
		return nil, fmt.Errorf("hub: listing of %s@%s: %w", repo, revision, err)
	}
	if !commitPattern.MatchString(info.SHA) {
		return nil, fmt.Errorf("hub: listing of %s@%s has no commit sha", repo, revision)
	}
	return &info, nil
}

func (c *Client) newRequest(ctx context.Context, method, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("User-Agent", "gliner-go")
	return req, nil
}

// Download makes sure the model files of ref at the variant are in the
// cache and returns the snapshot. Offline, or when the endpoint is
// unreachable or answers the listing with a server error (5xx), it returns
// the cached snapshot if there is one.
func (c *Client) Download(ctx context.Context, ref Ref, v Variant) (*Snapshot, error) {
	if c.Offline {
		return c.Cached(ref, v)
	}
	info, err := c.Info(ctx, ref.Repo, ref.Revision)
	if err != nil {
		if unreachable(err) && ctx.Err() == nil {
			if snap, cerr := c.Cached(ref, v); cerr == nil {
				c.logf("hub: %s unreachable (%v); using the cached snapshot %s", c.Endpoint, err, snap.Commit)
				return snap, nil
			}
		}
		return nil, err
	}
	return c.fetchSnapshot(ctx, ref, v, info)
}

// unreachable reports whether err is a network failure or a server error
// (5xx) rather than a definite answer from the hub.
func unreachable(err error) bool {
	var ue *url.Error
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500
	}
	return errors.As(err, &ue) && !errors.Is(err, context.Canceled)
}

func (c *Client) fetchSnapshot(ctx context.Context, ref Ref, v Variant, info *RepoInfo) (*Snapshot, error) {
	byName := map[string]Sibling{}
	names := make([]string, 0, len(info.Siblings))
	for _, s := range info.Siblings {
		byName[s.Name] = s
		names = append(names, s.Name)
	}
	files, err := SelectFiles(names, v)
	if err != nil {
		return nil, fmt.Errorf("%s@%s: %w", ref.Repo, ref.Revision, err)
	}
	snap := &Snapshot{Dir: filepath.Join(c.repoDir(ref.Repo), "snapshots", info.SHA), Commit: info.SHA, Files: files}
	for _, name := range files {
		if !validPath(name) {
			return nil, fmt.Errorf("hub: refusing file name %q", name)
		}
		n, err := c.fetchFile(ctx, ref.Repo, info.SHA, byName[name])
		snap.Fetched += n
		if err != nil {
			return nil, fmt.Errorf("hub: %s: %w", name, err)
		}
	}
	if ref.Revision != info.SHA {
		if err := c.writeRef(ref, info.SHA); err != nil {
			return nil, err
		}
	}
	return snap, nil
}

// validPath rejects names that would leave the snapshot folder.
func validPath(name string) bool {
	return name != "" && fs.ValidPath(name) && !strings.Contains(name, `\`)
}

func (c *Client) writeRef(ref Ref, commit string) error {
	p := filepath.Join(c.repoDir(ref.Repo), "refs", filepath.FromSlash(ref.Revision))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(commit), 0o644)
}

// fetchFile makes blobs/<etag> hold the verified file and links it into the
// snapshot. It returns the number of bytes downloaded.
func (c *Client) fetchFile(ctx context.Context, repo, commit string, s Sibling) (int64, error) {
	etag := s.etag()
	if etag == "" || !validPath(etag) || strings.Contains(etag, "/") {
		return 0, fmt.Errorf("hub: listing gives no usable blob id for %s", s.Name)
	}
	blobs := filepath.Join(c.repoDir(repo), "blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return 0, err
	}
	blob := filepath.Join(blobs, etag)
	if _, err := os.Stat(blob); err == nil {
		verr := verifyFile(blob, s)
		if verr == nil {
			return 0, c.link(repo, commit, s.Name, etag)
		}
		c.logf("hub: cached %s is corrupt (%v); fetching it again", s.Name, verr)
		os.Remove(blob)
	}
	u := fmt.Sprintf("%s/%s/resolve/%s/%s", c.Endpoint, repo, commit, escapePath(s.Name))
	var fetched int64
	for attempt := 0; ; attempt++ {
		n, err := c.download(ctx, u, blob+".incomplete", commit, s)
		fetched += n
		if err == nil {
			err = verifyFile(blob+".incomplete", s)
			if err != nil {
				os.Remove(blob + ".incomplete") // corrupt: start over
			}
		}
		if err == nil {
			break
		}
		if attempt >= c.Retries || !retryable(ctx, err) {
			return fetched, err
		}
		c.logf("hub: %s: %v; retrying (%d/%d)", s.Name, err, attempt+1, c.Retries)
	}
	if err := os.Rename(blob+".incomplete", blob); err != nil {
		return fetched, err
	}
	return fetched, c.link(repo, commit, s.Name, etag)
}

func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500 || he.Status == http.StatusRequestedRangeNotSatisfiable
	}
	return true
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// link makes snapshots/<commit>/<name> a relative symlink to blobs/<etag>,
// or a copy where symlinks are not supported.
func (c *Client) link(repo, commit, name, etag string) error {
	dst := filepath.Join(c.repoDir(repo), "snapshots", commit, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	depth := strings.Count(name, "/")
	target := strings.Repeat("../", depth+2) + "blobs/" + etag
	if cur, err := os.Readlink(dst); err == nil && cur == target {
		return nil
	}
	os.Remove(dst)
	if err := os.Symlink(filepath.FromSlash(target), dst); err != nil {
		return copyFile(filepath.Join(c.repoDir(repo), "blobs", etag), dst)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Cached returns the cached snapshot of ref without network access.
func (c *Client) Cached(ref Ref, v Variant) (*Snapshot, error) {
	commit := ref.Revision
	if !commitPattern.MatchString(commit) {
		b, err := os.ReadFile(filepath.Join(c.repoDir(ref.Repo), "refs", filepath.FromSlash(ref.Revision)))
		if err != nil {
			return nil, fmt.Errorf("%w: %s@%s in %s", ErrNotCached, ref.Repo, ref.Revision, c.Cache)
		}
		commit = strings.TrimSpace(string(b))
	}
	dir := filepath.Join(c.repoDir(ref.Repo), "snapshots", commit)
	var names []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			if _, serr := os.Stat(p); serr == nil { // skip dangling links
				names = append(names, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	files, err := SelectFiles(names, v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s@%s (%s): %w", ErrNotCached, ref.Repo, ref.Revision, commit, err)
	}
	return &Snapshot{Dir: dir, Commit: commit, Files: files, FromCache: true}, nil
}

// CopyTo copies the snapshot's files into dir (a plain model folder),
// following the symlinks.
func (s *Snapshot) CopyTo(dir string) error {
	for _, f := range s.Files {
		dst := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := copyFile(filepath.Join(s.Dir, filepath.FromSlash(f)), dst); err != nil {
			return err
		}
	}
	return nil
}

// ONNXFile returns the graph the snapshot selected for its variant (such as
// "onnx/model_quantized.onnx"), relative to Dir, or "" if it has none.
func (s *Snapshot) ONNXFile() string {
	for _, f := range s.Files {
		if strings.HasSuffix(f, ".onnx") {
			return f
		}
	}
	return ""
}
