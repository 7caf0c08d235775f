package gliner

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gliner-go/gliner/internal/testenv"
)

// cacheEntries returns the names of the files in a span kernel cache.
func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestSpanKernelCache opens span-bert three times with a span kernel cache:
// the first Open writes the rewritten graph, the second loads it as it is,
// the third finds it corrupted and writes it again. Entities are the same
// each time, and with no cache no file is left in the temporary folder.
func TestSpanKernelCache(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "testdata", "models", "span-bert")
	cache := t.TempDir()
	text, labels := "Mutations in BRCA1 cause breast cancer and aspirin helps.", []string{"disease", "gene", "chemical"}
	extract := func(opts ...Option) []Entity {
		m := openKernelModel(t, dir, append([]Option{WithSpanKernelCache(cache)}, opts...)...)
		require.Equal(t, SpanKernelFactorised, m.SpanKernel())
		ents, err := m.Extract(context.Background(), text, labels, WithThreshold(0.1))
		require.NoError(t, err)
		return ents
	}
	want := extract()
	require.NotEmpty(t, want)
	names := cacheEntries(t, cache)
	require.Len(t, names, 1)
	require.True(t, strings.HasSuffix(names[0], "-"+rewriteVersion+".onnx"), names[0])
	entry := filepath.Join(cache, names[0])
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	require.NoError(t, os.Chtimes(entry, old, old))

	compareEntities(t, [][]Entity{want}, [][]Entity{extract()}, "cached graph")
	st, err := os.Stat(entry)
	require.NoError(t, err)
	require.True(t, st.ModTime().Equal(old), "the cached graph was written again")

	require.NoError(t, os.WriteFile(entry, []byte("not a graph"), 0o644))
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	compareEntities(t, [][]Entity{want}, [][]Entity{extract(WithLogger(logger))}, "corrupted cache entry")
	require.Contains(t, log.String(), "cached rewritten graph unusable")
	st, err = os.Stat(entry)
	require.NoError(t, err)
	require.Greater(t, st.Size(), int64(1000), "the corrupted entry was not replaced")
	require.Equal(t, names, cacheEntries(t, cache))
}

// TestSpanKernelNoCacheLeavesNoFile checks that without a cache the
// rewritten graph's temporary file is removed once loaded.
func TestSpanKernelNoCacheLeavesNoFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	m := openKernelModel(t, filepath.Join(testenv.RepoRoot(), "testdata", "models", "span-bert"))
	require.Equal(t, SpanKernelFactorised, m.SpanKernel())
	require.Empty(t, cacheEntries(t, tmp))
}

// TestSpanKernelCacheNotesRefusedHead checks that a head the pattern does
// not match is noted in the cache, and that the next Open reads the note
// instead of parsing the graph again.
func TestSpanKernelCacheNotesRefusedHead(t *testing.T) {
	dir, cache := swappedHeadFolder(t), t.TempDir()
	for i := range 2 {
		var log bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
		m := openBiDir(t, dir, WithLogger(logger), WithSpanKernelCache(cache))
		require.Equal(t, SpanKernelGraph, m.SpanKernel())
		require.Contains(t, log.String(), "span head not recognised")
		names := cacheEntries(t, cache)
		require.Len(t, names, 1)
		require.True(t, strings.HasSuffix(names[0], ".none"), names[0])
		if i == 1 {
			require.Contains(t, log.String(), "noted in the span kernel cache")
		}
	}
}
