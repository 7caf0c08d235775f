package evaluate

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/testenv"
)

// TestModelScoresDecodeLikeExtract checks the library side of sweeps on
// the uni-encoder span and token and the bi-encoder fixture models: Scores kept by gliner's ScoreBatch, decoded at a
// threshold with nesting and multi-label settings, equal ExtractBatch with
// the same options, text by text, and a blank text decodes to nothing.
func TestModelScoresDecodeLikeExtract(t *testing.T) {
	texts := []string{
		"Aspirin can cause Reye syndrome in children with influenza.",
		"   ",
		"Mutations in BRCA1 raise the risk of breast and ovarian cancer.",
		"Famotidine-associated delirium was reported in a patient with renal failure.",
		"",
		"Short.",
	}
	labels := []string{"disease", "chemical", "gene"}
	for _, name := range []string{"span-bert", "token-deberta-new", "bi-span"} {
		t.Run(name, func(t *testing.T) {
			m, err := gliner.Open(filepath.Join(testenv.RepoRoot(), "testdata", "models", name), gliner.WithBatchSize(4))
			if err != nil {
				testenv.Missing(t, "fixture model %s does not open: %v", name, err)
				return
			}
			defer m.Close()
			ctx := context.Background()
			scored, err := glinerScorer{m}.ScoreBatch(ctx, texts, labels)
			if err != nil {
				t.Fatal(err)
			}
			found := 0
			for _, th := range []float64{0.3, 0.45, 0.5, 0.6} {
				for _, mode := range []struct{ nested, multi bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
					opts := []gliner.ExtractOption{gliner.WithThreshold(th)}
					if mode.nested {
						opts = append(opts, gliner.WithNested())
					}
					if mode.multi {
						opts = append(opts, gliner.WithMultiLabel())
					}
					want, err := m.ExtractBatch(ctx, texts, labels, opts...)
					if err != nil {
						t.Fatal(err)
					}
					for i := range texts {
						got := scored[i].Decode(th, mode.nested, mode.multi)
						if !reflect.DeepEqual(got, want[i]) {
							t.Errorf("threshold %g %+v text %d:\nscores %+v\nextract %+v", th, mode, i, got, want[i])
						}
						found += len(got)
					}
				}
			}
			if found == 0 {
				t.Error("no entity at any threshold: the comparison shows nothing")
			}
		})
	}
}

// TestModelScoresUnsupported checks that a token classifier, which has no
// threshold, refuses to keep scores, and a closed model too.
func TestModelScoresUnsupported(t *testing.T) {
	m, err := gliner.Open(filepath.Join(testenv.RepoRoot(), "testdata", "models", "bio-bert"))
	if err != nil {
		testenv.Missing(t, "fixture model bio-bert does not open: %v", err)
		return
	}
	ctx := context.Background()
	if _, err := m.ScoreBatch(ctx, []string{"Aspirin."}, m.Labels()); !errors.Is(err, gliner.ErrUnsupported) {
		t.Errorf("token classifier: err = %v, want ErrUnsupported", err)
	}
	m.Close()
	if _, err := m.ScoreBatch(ctx, []string{"Aspirin."}, m.Labels()); !errors.Is(err, gliner.ErrClosed) {
		t.Errorf("closed model: err = %v, want ErrClosed", err)
	}
}
