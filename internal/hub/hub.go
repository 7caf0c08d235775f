package hub

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Errors; see the package documentation.
var (
	ErrNotFound     = errors.New("hub: not found")
	ErrUnauthorized = errors.New("hub: unauthorized (set HF_TOKEN for gated or private repositories)")
	ErrNoVariant    = errors.New("hub: repository has no ONNX file of this variant")
	ErrNotGLiNER    = errors.New("hub: repository has no gliner_config.json")
	ErrChecksum     = errors.New("hub: checksum mismatch")
	ErrNotCached    = errors.New("hub: revision not in the cache")
	ErrBadRepo      = errors.New("hub: bad repository name")
	ErrBadVariant   = errors.New("hub: unknown variant")
)

// HTTPError is an unexpected HTTP status from the hub.
type HTTPError struct {
	URL    string
	Status int
}

// Error returns "hub: <url>: HTTP <status> <text>".
func (e *HTTPError) Error() string {
	return fmt.Sprintf("hub: %s: HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// Unwrap returns [ErrNotFound] for 404, [ErrUnauthorized] for 401 and 403,
// and nil otherwise.
func (e *HTTPError) Unwrap() error {
	switch e.Status {
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrUnauthorized
	}
	return nil
}

// DefaultEndpoint is the hub used when HF_ENDPOINT is not set.
const DefaultEndpoint = "https://huggingface.co"

// Client downloads from one hub endpoint into one cache folder. Fields are
// read at each call; set them before use.
type Client struct {
	// Endpoint is the hub's base URL, without a trailing slash.
	Endpoint string
	// Token, when set, is sent as "Authorization: Bearer <token>".
	Token string
	// Cache is the hub cache folder (see [CacheDir]).
	Cache string
	// Offline forbids network access: only the cache is used.
	Offline bool
	// Retries is how many times an interrupted or corrupt download is
	// resumed or restarted within one call.
	Retries int
	// HTTP is the client used for requests; nil means a client with a
	// 30-second connection timeout and no overall timeout.
	HTTP *http.Client
	// Logf, when set, receives progress and warning messages.
	Logf func(format string, args ...any)
}

// NewClient returns a client configured from the environment like the
// Hugging Face tools: HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE and the cache
// variables of [CacheDir]; three retries.
func NewClient() *Client {
	ep := strings.TrimRight(os.Getenv("HF_ENDPOINT"), "/")
	if ep == "" {
		ep = DefaultEndpoint
	}
	return &Client{
		Endpoint: ep,
		Token:    os.Getenv("HF_TOKEN"),
		Cache:    CacheDir(),
		Offline:  truthy(os.Getenv("HF_HUB_OFFLINE")),
		Retries:  3,
	}
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// CacheDir returns the hub cache folder as huggingface_hub computes it:
// $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub,
// else ~/.cache/huggingface/hub.
func CacheDir() string {
	if d := os.Getenv("HF_HUB_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("HF_HOME"); d != "" {
		return filepath.Join(d, "hub")
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "huggingface", "hub")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".cache", "huggingface", "hub")
}

var repoPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Ref names a model repository ("owner/name") and a revision (branch, tag
// or commit; "main" when empty).
type Ref struct {
	Repo     string
	Revision string
}

// ParseRef parses "owner/name" or "owner/name@revision".
func ParseRef(s string) (Ref, error) {
	repo, rev, _ := strings.Cut(s, "@")
	if rev == "" {
		rev = "main"
	}
	if !repoPattern.MatchString(repo) || strings.Contains(repo, "..") || strings.Contains(rev, "..") {
		return Ref{}, fmt.Errorf("%w: %q (want owner/name[@revision])", ErrBadRepo, s)
	}
	return Ref{Repo: repo, Revision: rev}, nil
}

// repoDir is the cache folder of a model repository.
func (c *Client) repoDir(repo string) string {
	return filepath.Join(c.Cache, "models--"+strings.ReplaceAll(repo, "/", "--"))
}

var commitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	TLSHandshakeTimeout:   30 * time.Second,
	ResponseHeaderTimeout: 60 * time.Second,
	IdleConnTimeout:       90 * time.Second,
}}

func (c *Client) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}
