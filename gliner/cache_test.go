package gliner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLabelCacheLRU(t *testing.T) {
	c := newLabelCache(2, 1, [32]byte{}, "")
	c.put("a", []float32{1})
	c.put("b", []float32{2})
	assert.Equal(t, []float32{1}, c.get("a")) // a is now the most recent
	c.put("c", []float32{3})                  // evicts b
	assert.Nil(t, c.get("b"))
	assert.Equal(t, []float32{1}, c.get("a"))
	assert.Equal(t, []float32{3}, c.get("c"))
	assert.Equal(t, 2, c.len())
	snap := c.snapshot()
	assert.Equal(t, []string{"a", "c"}, []string{snap[0].label, snap[1].label}, "least recent first")

	off := newLabelCache(0, 1, [32]byte{}, t.TempDir())
	off.put("a", []float32{1})
	assert.Nil(t, off.get("a"), "capacity 0 keeps nothing")
	assert.Empty(t, off.path, "capacity 0 has no disk file")
}

func TestLabelCacheFile(t *testing.T) {
	dir := t.TempDir()
	id := [32]byte{7, 7, 7}
	c := newLabelCache(10, 3, id, filepath.Join(dir, "sub"))
	require.NoError(t, c.load(), "a missing file is no error")
	c.put("disease", []float32{1, 2, 3})
	c.put("gène ou protéine", []float32{-1, 0.5, 1e-30})
	require.NoError(t, c.save())

	d := newLabelCache(10, 3, id, filepath.Join(dir, "sub"))
	require.NoError(t, d.load())
	assert.Equal(t, []float32{1, 2, 3}, d.get("disease"))
	assert.Equal(t, []float32{-1, 0.5, 1e-30}, d.get("gène ou protéine"))
	assert.Equal(t, c.snapshot(), d.snapshot(), "recency order survives")

	good, err := os.ReadFile(c.path)
	require.NoError(t, err)
	_, err = decodeCache(good, id, 3)
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		data []byte
		id   [32]byte
		dim  int
	}{
		"other model": {good, [32]byte{8}, 3},
		"other dim":   {good, id, 4},
		"flipped":     {flip(good, 60), id, 3},
		"truncated":   {good[:len(good)-1], id, 3},
		"short":       {good[:20], id, 3},
		"magic":       {flip(good, 0), id, 3},
	} {
		_, err := decodeCache(tc.data, tc.id, tc.dim)
		assert.Error(t, err, name)
	}
	// A bad file leaves the cache unchanged and reports errBadCache.
	require.NoError(t, os.WriteFile(c.path, flip(good, 70), 0o644))
	e := newLabelCache(10, 3, id, filepath.Join(dir, "sub"))
	assert.ErrorIs(t, e.load(), errBadCache)
	assert.Zero(t, e.len())
}

func flip(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 1
	return out
}
