package gliner

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
)

// DefaultLabelCacheSize is the number of label embeddings a bi-encoder model
// keeps in memory unless [WithLabelCacheSize] says otherwise.
const DefaultLabelCacheSize = 4096

// biOptions are the open options of bi-encoder models (a field of openConfig).
type biOptions struct {
	cacheDir  string // "" = no disk cache
	cacheSize int    // in-memory entries, when sizeSet
	sizeSet   bool   // false = DefaultLabelCacheSize
}

// size returns the in-memory capacity.
func (o biOptions) size() int {
	if !o.sizeSet {
		return DefaultLabelCacheSize
	}
	return o.cacheSize
}

// WithLabelCache keeps the label embeddings of bi-encoder models on disk in
// dir (created if missing), one file per model, so that a later process does
// not run the label encoder again for labels it has seen. The file carries a
// format version, the model's identity (a SHA-256 of its label graph and
// label tokenizer) and a checksum; a file that is corrupt, truncated, of
// another version or of another model is ignored (with a logged warning) and
// rewritten, never trusted. The option has no effect on other models.
func WithLabelCache(dir string) Option { return func(c *openConfig) { c.bi.cacheDir = dir } }

// WithLabelCacheSize sets how many label embeddings a bi-encoder model keeps
// in memory (least recently used are dropped first; default
// [DefaultLabelCacheSize]); 0 turns caching off: every call runs the label
// encoder and a disk cache ([WithLabelCache]) is neither read nor written.
// With the factorised span kernel ([WithSpanKernel]) a label kept in memory
// that a call folded (calls of up to about 4D/3 labels, D the embedding
// width) also keeps its folded row (H+1 values, H the span head's hidden
// width, 4D in published heads), which is not written to disk.
func WithLabelCacheSize(n int) Option {
	return func(c *openConfig) { c.bi.cacheSize, c.bi.sizeSet = max(n, 0), true }
}

// labelCache is an LRU of label embeddings of one model, optionally mirrored
// to a file. It is safe for concurrent use.
type labelCache struct {
	mu    sync.Mutex
	cap   int
	dim   int
	ll    *list.List // of *cacheEntry, front = most recent
	items map[string]*list.Element

	id   [32]byte // model identity
	path string   // disk file, "" = none
	wmu  sync.Mutex
}

type cacheEntry struct {
	label string
	vec   []float32 // immutable once stored
	fold  []float32 // the factorised kernel's folded row (H+1 values), nil until computed; not saved
}

func newLabelCache(capacity, dim int, id [32]byte, dir string) *labelCache {
	c := &labelCache{cap: capacity, dim: dim, ll: list.New(), items: map[string]*list.Element{}, id: id}
	if dir != "" && capacity > 0 {
		c.path = filepath.Join(dir, cacheFileName(id))
	}
	return c
}

// cacheFileName is the disk file of a model: its identity in hex.
func cacheFileName(id [32]byte) string { return hex.EncodeToString(id[:16]) + ".labels" }

// get returns the embedding of label, or nil.
func (c *labelCache) get(label string) []float32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[label]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*cacheEntry).vec
	}
	return nil
}

// put stores embeddings; vec must not be modified afterwards.
func (c *labelCache) put(label string, vec []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cap == 0 {
		return
	}
	if e, ok := c.items[label]; ok {
		e.Value.(*cacheEntry).vec, e.Value.(*cacheEntry).fold = vec, nil
		c.ll.MoveToFront(e)
		return
	}
	c.items[label] = c.ll.PushFront(&cacheEntry{label: label, vec: vec})
	for c.ll.Len() > c.cap {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).label)
	}
}

// getFold returns the folded row of a cached label (see foldLabels), or
// nil when the label or its fold is not cached.
func (c *labelCache) getFold(label string) []float32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[label]; ok {
		return e.Value.(*cacheEntry).fold
	}
	return nil
}

// putFold keeps the folded row of a cached label beside its vector (it is
// dropped with the label, and not written to disk); fold must not be
// modified afterwards. Labels not in the cache are ignored.
func (c *labelCache) putFold(label string, fold []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[label]; ok {
		e.Value.(*cacheEntry).fold = fold
	}
}

// len returns the number of cached labels.
func (c *labelCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// snapshot returns the entries, least recently used first.
func (c *labelCache) snapshot() []cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]cacheEntry, 0, c.ll.Len())
	for e := c.ll.Back(); e != nil; e = e.Prev() {
		out = append(out, *e.Value.(*cacheEntry))
	}
	return out
}

// Disk format, version 1 (all integers little-endian):
//
//	magic    8 bytes "GLNRLBLS"
//	version  uint32 = 1
//	model id 32 bytes
//	dim      uint32
//	count    uint32
//	count ×  { label length uint32, label bytes (UTF-8), dim × float32 }
//	sha256   32 bytes of everything before
const (
	cacheMagic   = "GLNRLBLS"
	cacheVersion = 1
	// maxCacheFile bounds the file read at open (a larger one is not a
	// cache this library wrote with a sane size).
	maxCacheFile = 1 << 30
)

// errBadCache is why a cache file was not used.
var errBadCache = errors.New("gliner: label cache file unusable")

// load reads the disk file into the cache. A missing file is not an error;
// a file that is unusable for any reason returns an error wrapping
// errBadCache and leaves the cache unchanged.
func (c *labelCache) load() error {
	if c.path == "" {
		return nil
	}
	f, err := os.Open(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errBadCache, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCacheFile+1))
	if err != nil {
		return fmt.Errorf("%w: %v", errBadCache, err)
	}
	entries, err := decodeCache(b, c.id, c.dim)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errBadCache, c.path, err)
	}
	for _, e := range entries {
		c.put(e.label, e.vec)
	}
	return nil
}

func decodeCache(b []byte, id [32]byte, dim int) ([]cacheEntry, error) {
	const head = len(cacheMagic) + 4 + 32 + 4 + 4
	if len(b) > maxCacheFile {
		return nil, errors.New("file too large")
	}
	if len(b) < head+sha256.Size {
		return nil, errors.New("file too short")
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if string(body[:len(cacheMagic)]) != cacheMagic {
		return nil, errors.New("not a label cache file")
	}
	p := body[len(cacheMagic):]
	if v := binary.LittleEndian.Uint32(p); v != cacheVersion {
		return nil, fmt.Errorf("format version %d, want %d", v, cacheVersion)
	}
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, errors.New("checksum mismatch")
	}
	if !bytes.Equal(p[4:36], id[:]) {
		return nil, errors.New("written for another model")
	}
	if d := binary.LittleEndian.Uint32(p[36:]); int64(d) != int64(dim) {
		return nil, fmt.Errorf("embedding size %d, want %d", d, dim)
	}
	n := binary.LittleEndian.Uint32(p[40:])
	p = p[44:]
	entries := make([]cacheEntry, 0, min(int(n), len(p)/(4+4*dim)+1))
	for i := uint32(0); i < n; i++ {
		if len(p) < 4 {
			return nil, errors.New("truncated entry")
		}
		l := binary.LittleEndian.Uint32(p)
		p = p[4:]
		if uint64(len(p)) < uint64(l)+uint64(4*dim) {
			return nil, errors.New("truncated entry")
		}
		e := cacheEntry{label: string(p[:l]), vec: make([]float32, dim)}
		p = p[l:]
		for d := range e.vec {
			e.vec[d] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*d:]))
		}
		p = p[4*dim:]
		entries = append(entries, e)
	}
	if len(p) != 0 {
		return nil, errors.New("trailing bytes")
	}
	return entries, nil
}

func encodeCache(entries []cacheEntry, id [32]byte, dim int) []byte {
	size := len(cacheMagic) + 44 + sha256.Size
	for _, e := range entries {
		size += 4 + len(e.label) + 4*dim
	}
	b := make([]byte, 0, size)
	b = append(b, cacheMagic...)
	b = binary.LittleEndian.AppendUint32(b, cacheVersion)
	b = append(b, id[:]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(dim))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(entries)))
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(e.label)))
		b = append(b, e.label...)
		for _, v := range e.vec {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// save writes the cache's entries to its file atomically (a temporary file
// in the same folder, then a rename), so that readers never see a partial
// file.
func (c *labelCache) save() error {
	if c.path == "" {
		return nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := encodeCache(c.snapshot(), c.id, c.dim)
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(c.path, b)
}
