package gliner

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStream checks that a stream yields ExtractBatch's results in input
// order, and that a failing text yields an error result without stopping
// the stream or failing its batch neighbours.
func TestStream(t *testing.T) {
	m := openFixture(t, "span-deberta", WithBatchSize(4))
	titles, _ := pubtatorTexts(t, "pubtator/ncbi-disease.test.pubtator.txt")
	texts := slices.Clone(titles[:11])
	long := strings.Repeat("cancer ", m.cfg.MaxLen+5)
	texts[5] = long
	ctx := context.Background()
	want, err := m.ExtractResults(ctx, texts, diseaseChemical)
	require.NoError(t, err)

	var got []Result
	for i, r := range m.Stream(ctx, slices.Values(texts), diseaseChemical) {
		require.Equal(t, len(got), i, "input order")
		got = append(got, r)
	}
	assert.Equal(t, want, got)

	got = got[:0]
	for _, r := range m.Stream(ctx, slices.Values(texts), diseaseChemical, WithLongTextPolicy(RefuseLongTexts)) {
		got = append(got, r)
	}
	require.Len(t, got, len(texts))
	for i, r := range got {
		if i == 5 {
			var le *LimitError
			require.ErrorAs(t, r.Err, &le)
			assert.Equal(t, 5, le.Index, "the index in the stream")
			continue
		}
		assert.NoError(t, r.Err)
		assert.Equal(t, want[i].Entities, r.Entities, "text %d", i)
	}

	n := 0
	for range m.Stream(ctx, slices.Values(texts), diseaseChemical) {
		if n++; n == 2 {
			break
		}
	}
	for _, r := range m.Stream(ctx, slices.Values(texts[:2]), []string{" "}) {
		assert.ErrorIs(t, r.Err, ErrLabel, "a call error is every text's")
	}
}

// TestConcurrentCalls runs 16 goroutines of mixed Extract, ExtractBatch and
// Stream calls on one Model (run it with -race) and checks every result
// against a sequential run.
func TestConcurrentCalls(t *testing.T) {
	m := openFixture(t, "span-deberta", WithBatchSize(3))
	titles, abstracts := pubtatorTexts(t, "pubtator/ncbi-disease.test.pubtator.txt")
	texts := append(slices.Clone(titles[:6]), abstracts[:3]...)
	texts = append(texts, strings.Repeat(abstracts[3]+" ", 4)) // chunked
	ctx := context.Background()
	want, err := m.ExtractBatch(ctx, texts, diseaseChemical)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 2 {
				switch (g + round) % 3 {
				case 0:
					for i, text := range texts {
						ents, err := m.Extract(ctx, text, diseaseChemical)
						assert.NoError(t, err)
						assert.Equal(t, want[i], ents, "goroutine %d text %d", g, i)
					}
				case 1:
					got, err := m.ExtractBatch(ctx, texts, diseaseChemical)
					assert.NoError(t, err)
					assert.Equal(t, want, got, "goroutine %d", g)
				default:
					for i, r := range m.Stream(ctx, slices.Values(texts), diseaseChemical) {
						assert.NoError(t, r.Err)
						assert.Equal(t, want[i], r.Entities, "goroutine %d text %d", g, i)
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestStreamRSS streams 100,000 extractions (GLINER_RSS_TEST=1; each text a
// NCBI-disease title, the model's batches of 8) and logs the resident set
// size every 10,000; the RSS after the last must stay within 25% of the
// RSS after the first 10,000.
func TestStreamRSS(t *testing.T) {
	if os.Getenv("GLINER_RSS_TEST") != "1" {
		t.Skip("set GLINER_RSS_TEST=1 to stream 100,000 extractions and sample the RSS")
	}
	m := openFixture(t, "span-deberta")
	titles, _ := pubtatorTexts(t, "pubtator/ncbi-disease.test.pubtator.txt")
	const total, every = 100000, 10000
	texts := func(yield func(string) bool) {
		for i := 0; i < total; i++ {
			if !yield(titles[i%len(titles)]) {
				return
			}
		}
	}
	var samples []int
	for i, r := range m.Stream(context.Background(), texts, diseaseChemical) {
		require.NoError(t, r.Err)
		if (i+1)%every == 0 {
			samples = append(samples, rssKB(t))
			t.Logf("%6d extractions: RSS %d kB", i+1, samples[len(samples)-1])
		}
	}
	require.Len(t, samples, total/every)
	drift := float64(samples[len(samples)-1]-samples[0]) / float64(samples[0])
	t.Logf("RSS drift from 10,000 to 100,000 extractions: %+.1f%%", 100*drift)
	assert.Less(t, drift, 0.25)
}

// rssKB returns the process's resident set size in kB (Linux).
func rssKB(t testing.TB) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			require.NoError(t, err)
			return kb
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
