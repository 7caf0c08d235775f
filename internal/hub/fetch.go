package hub

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// download fetches u into partial, resuming from the bytes already there.
// It returns the number of bytes received. The first response (before any
// redirect) must agree with the listing: X-Linked-Etag or ETag equal to the
// expected etag, X-Linked-Size equal to the size and X-Repo-Commit equal to
// the commit, when the server sends them.
func (c *Client) download(ctx context.Context, u, partial, commit string, s Sibling) (int64, error) {
	have := partialSize(partial, s.size())
	resp, first, err := c.get(ctx, u, have)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if err := checkHeaders(first, s, commit); err != nil {
		return 0, err
	}
	flags := os.O_WRONLY | os.O_CREATE
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		if !strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", have)) {
			return 0, fmt.Errorf("hub: server resumed at %q, want byte %d", resp.Header.Get("Content-Range"), have)
		}
		flags |= os.O_APPEND
		c.logf("hub: resuming %s at byte %d", s.Name, have)
	case resp.StatusCode == http.StatusOK:
		flags |= os.O_TRUNC
	default:
		if resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
			os.Remove(partial)
		}
		return 0, &HTTPError{URL: u, Status: resp.StatusCode}
	}
	return appendBody(partial, flags, resp.Body, s.Name)
}

// partialSize is the size of a partial download, 0 (after removing it) when
// it is larger than the expected size.
func partialSize(partial string, want int64) int64 {
	st, err := os.Stat(partial)
	if err != nil {
		return 0
	}
	if want > 0 && st.Size() > want {
		os.Remove(partial)
		return 0
	}
	return st.Size()
}

// get requests u from byte offset from on, following redirects, and
// returns the final response and the headers of the first one.
func (c *Client) get(ctx context.Context, u string, from int64) (*http.Response, http.Header, error) {
	req, err := c.newRequest(ctx, http.MethodGet, u)
	if err != nil {
		return nil, nil, err
	}
	if from > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", from))
	}
	var first http.Header
	hc := *c.httpClient()
	hc.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if first == nil && r.Response != nil {
			first = r.Response.Header
		}
		if len(via) >= 10 {
			return fmt.Errorf("hub: too many redirects")
		}
		return nil
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	if first == nil {
		first = resp.Header
	}
	return resp, first, nil
}

// appendBody copies body into the file opened with flags.
func appendBody(path string, flags int, body io.Reader, name string) (int64, error) {
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("hub: download of %s interrupted after %d bytes: %w", name, n, err)
	}
	return n, nil
}

func checkHeaders(h http.Header, s Sibling, commit string) error {
	if rc := h.Get("X-Repo-Commit"); rc != "" && rc != commit {
		return fmt.Errorf("hub: server resolved commit %s, want %s", rc, commit)
	}
	etag := unquote(h.Get("X-Linked-Etag"))
	if etag == "" {
		etag = unquote(h.Get("ETag"))
	}
	if etag != "" && s.etag() != "" && etag != s.etag() {
		return fmt.Errorf("hub: server etag %s differs from the listing's %s", etag, s.etag())
	}
	if ls := h.Get("X-Linked-Size"); ls != "" && s.size() > 0 {
		if n, err := strconv.ParseInt(ls, 10, 64); err == nil && n != s.size() {
			return fmt.Errorf("hub: server size %d differs from the listing's %d", n, s.size())
		}
	}
	return nil
}

func unquote(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	return strings.Trim(s, `"`)
}

// verifyFile checks a file against the listing: size, then sha256 for LFS
// files or the git blob hash for the others.
func verifyFile(p string, s Sibling) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if want := s.size(); want > 0 && st.Size() != want {
		return fmt.Errorf("%w: %s has %d bytes, want %d", ErrChecksum, s.Name, st.Size(), want)
	}
	var h hash.Hash
	want := s.BlobID
	if s.LFS != nil && s.LFS.SHA256 != "" {
		h, want = sha256.New(), s.LFS.SHA256
	} else {
		h = sha1.New()
		fmt.Fprintf(h, "blob %d\x00", st.Size())
	}
	if want == "" {
		return nil
	}
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != strings.ToLower(want) {
		return fmt.Errorf("%w: %s hashes to %s, want %s", ErrChecksum, s.Name, got, want)
	}
	return nil
}
