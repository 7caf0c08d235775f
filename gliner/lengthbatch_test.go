package gliner

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestByLength(t *testing.T) {
	texts := []string{"ccc", "a", "bb", "a"}
	items := []item{{text: 0, last: true}, {text: 1, last: true}, {text: 2, last: true}, {text: 3, last: true}}
	got := byLength(items, texts)
	require.Equal(t, []item{{text: 1, last: true}, {text: 3, last: true}, {text: 2, last: true}, {text: 0, last: true}}, got)
	require.Equal(t, 0, items[0].text, "the input is not reordered")
	windows := []item{{text: 0, window: 0}, {text: 0, window: 1, last: true}, {text: 1, last: true}}
	require.Equal(t, windows, byLength(windows, texts), "windowed items keep their order")
}

// TestLengthBatchingOrder checks that batches of sorted texts still return
// each text's entities at its own index: ExtractBatch with batches of 2
// equals Extract text by text.
func TestLengthBatchingOrder(t *testing.T) {
	m := openFixture(t, "span-bert", WithBatchSize(2))
	texts := kernelTexts(t, 7)
	texts = append(texts, "", "Cisplatin-induced nephrotoxicity.")
	labels := []string{"disease", "chemical", "gene"}
	got, err := m.ExtractBatch(context.Background(), texts, labels, WithThreshold(0.3))
	require.NoError(t, err)
	for i, text := range texts {
		want, err := m.Extract(context.Background(), text, labels, WithThreshold(0.3))
		require.NoError(t, err)
		require.Equal(t, len(want), len(got[i]), "text %d", i)
		for j := range want {
			require.Equal(t, [3]any{want[j].Label, want[j].Start, want[j].End}, [3]any{got[i][j].Label, got[i][j].Start, got[i][j].End}, "text %d", i)
			require.InDelta(t, want[j].Score, got[i][j].Score, 1e-5, "text %d", i)
		}
	}
}
