package gliner_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/testenv"
)

// modelCall is one "gliner: model call" record.
type modelCall struct {
	family string
	texts  int
}

// callRecorder is a slog handler keeping the model-call records.
type callRecorder struct {
	mu    sync.Mutex
	calls []modelCall
}

func (h *callRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *callRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *callRecorder) WithGroup(string) slog.Handler            { return h }

func (h *callRecorder) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "gliner: model call" || r.Level != slog.LevelDebug {
		return nil
	}
	var c modelCall
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "family":
			c.family = a.Value.String()
		case "texts":
			c.texts = int(a.Value.Int64())
		}
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, c)
	return nil
}

// extractCalls runs ExtractBatch on a model opened with a batch size and
// returns the entities and the model calls it logged.
func extractCalls(t *testing.T, dir string, batch int, texts, labels []string) ([][]gliner.Entity, []modelCall) {
	t.Helper()
	rec := &callRecorder{}
	m, err := gliner.Open(dir, gliner.WithBatchSize(batch), gliner.WithLogger(slog.New(rec)))
	require.NoError(t, err)
	defer m.Close()
	rec.calls = nil // Open's test run is no call of ExtractBatch
	res, err := m.ExtractBatch(context.Background(), texts, labels)
	require.NoError(t, err)
	return res, rec.calls
}

func textsOf(calls []modelCall) []int {
	n := make([]int, len(calls))
	for i, c := range calls {
		n[i] = c.texts
	}
	return n
}

func TestBatchSizeModelCalls(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "testdata", "models", "span-bert")
	texts := []string{
		"Aspirin can cause Reye syndrome in children.", " ", "Cisplatin is nephrotoxic.",
		"Patients with asthma took salbutamol.", "", "Warfarin and bleeding.", "Insulin for diabetes.",
	}
	labels := []string{"disease", "chemical"}
	want, calls := extractCalls(t, dir, 1, texts, labels)
	assert.Equal(t, []int{1, 1, 1, 1, 1}, textsOf(calls), "blank texts are not sent")
	tests := []struct {
		batch int
		want  []int
	}{{2, []int{2, 2, 1}}, {16, []int{5}}}
	for _, tt := range tests {
		got, calls := extractCalls(t, dir, tt.batch, texts, labels)
		assert.Equal(t, tt.want, textsOf(calls), "batch %d", tt.batch)
		assert.Equal(t, "uni-encoder", calls[0].family)
		assert.Equal(t, want, got, "batch %d changes the entities", tt.batch)
	}
}

func TestBIOWindowsBatched(t *testing.T) {
	m := openBIOFixture(t)
	long := strings.Repeat("Cisplatin induced nephrotoxicity and hearing loss in patients with ovarian cancer. ", 30)
	run, err := gliner.RunBIO(m, long)
	require.NoError(t, err)
	require.Greater(t, len(run.Windows), 3, "the long text needs several windows")
	texts := []string{"Aspirin and Reye syndrome.", long, "Warfarin caused bleeding."}
	windows := len(run.Windows) + 2
	want, calls := extractCalls(t, bioFixture(t), 1, texts, bioLabels)
	assert.Len(t, calls, windows, "one call per window at batch size 1")
	for _, batch := range []int{2, 3, 16} {
		got, calls := extractCalls(t, bioFixture(t), batch, texts, bioLabels)
		total := 0
		for i, c := range calls {
			assert.Equal(t, "bio", c.family)
			assert.Equal(t, min(batch, windows-total), c.texts, "batch %d, call %d", batch, i)
			total += c.texts
		}
		assert.Equal(t, windows, total, "batch %d: every window runs once", batch)
		assert.Equal(t, want, got, "batch %d changes the entities", batch)
	}
	assert.NotEmpty(t, want[1], "entities in the long text")
}
