package tokenize

import "sync"

// tokenCache remembers the tokens of recently seen pieces, like the cache
// of the Rust Unigram and BPE models: it fills up to its capacity and then
// stops growing. It is safe for concurrent use.
type tokenCache struct {
	mu  sync.RWMutex
	m   map[string][]cachedToken
	max int
}

// cachedToken is a token of a cached piece; s and e are byte offsets in the
// piece.
type cachedToken struct {
	id, s, e int32
}

// cacheCapacity is the Rust library's DEFAULT_CACHE_CAPACITY.
const cacheCapacity = 10000

// maxCachedLen bounds the byte length of cached pieces.
const maxCachedLen = 64

func newTokenCache() *tokenCache {
	return &tokenCache{m: make(map[string][]cachedToken), max: cacheCapacity}
}

func (c *tokenCache) get(b []byte) ([]cachedToken, bool) {
	c.mu.RLock()
	v, ok := c.m[string(b)]
	c.mu.RUnlock()
	return v, ok
}

func (c *tokenCache) put(b []byte, toks []token) {
	c.mu.RLock()
	full := len(c.m) >= c.max
	c.mu.RUnlock()
	if full {
		return
	}
	v := make([]cachedToken, len(toks))
	for i, t := range toks {
		v[i] = cachedToken{t.id, t.s, t.e}
	}
	c.mu.Lock()
	if len(c.m) < c.max {
		c.m[string(b)] = v
	}
	c.mu.Unlock()
}
