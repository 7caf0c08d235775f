package glinerbeam

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/hub"
)

// hfPrefix marks a model option naming a Hugging Face repository.
const hfPrefix = "hf:"

// modelKey identifies one opened model in a worker process: the options
// that change how [gliner.Open] is called.
type modelKey struct {
	model, variant, library string
	threads, batch          int
}

func keyOf(o Options) modelKey {
	return modelKey{o.Model, strings.ToLower(o.Variant), o.LibraryPath, o.Threads, o.batchSize()}
}

// sharedModel is a model and the number of DoFn instances using it.
type sharedModel struct {
	model *gliner.Model
	refs  int
}

// models holds the models of this worker process, so that concurrent
// bundles (each with its own DoFn instance) share one.
var models = struct {
	sync.Mutex
	m map[modelKey]*sharedModel
}{m: map[modelKey]*sharedModel{}}

// acquireModel returns the process's model for o, opening it on first use.
// Each call must be paired with one [releaseModel].
func acquireModel(ctx context.Context, o Options) (*gliner.Model, error) {
	models.Lock()
	defer models.Unlock()
	k := keyOf(o)
	if s := models.m[k]; s != nil {
		s.refs++
		return s.model, nil
	}
	m, err := openModel(ctx, o)
	if err != nil {
		return nil, err
	}
	models.m[k] = &sharedModel{model: m, refs: 1}
	return m, nil
}

// releaseModel drops one use of the model for o and closes it after the
// last.
func releaseModel(o Options) error {
	models.Lock()
	defer models.Unlock()
	k := keyOf(o)
	s := models.m[k]
	if s == nil {
		return nil
	}
	if s.refs--; s.refs > 0 {
		return nil
	}
	delete(models.m, k)
	return s.model.Close()
}

// openModel opens the model o names, as `gliner extract --model` does.
func openModel(ctx context.Context, o Options) (*gliner.Model, error) {
	opts := []gliner.Option{gliner.WithBatchSize(o.batchSize())}
	var eopts []encoder.Option
	if o.Threads > 0 {
		eopts = append(eopts, encoder.WithIntraOpThreads(o.Threads))
	}
	if o.LibraryPath != "" {
		eopts = append(eopts, encoder.WithLibraryPath(o.LibraryPath))
	}
	opts = append(opts, gliner.WithEncoderOptions(eopts...))
	fp32 := o.Variant == "" || strings.EqualFold(o.Variant, "fp32")
	switch {
	case o.Model == "":
		return gliner.OpenDefault(opts...)
	case !strings.HasPrefix(o.Model, hfPrefix):
		if !fp32 {
			opts = append(opts, gliner.WithVariant(strings.ToLower(o.Variant)))
		}
		return gliner.Open(o.Model, opts...)
	}
	snap, err := pullModel(ctx, o.Model, o.Variant)
	if err != nil {
		return nil, err
	}
	if file := snap.ONNXFile(); file != "" {
		opts = append(opts, gliner.WithONNXFile(file))
	}
	return gliner.Open(snap.Dir, opts...)
}

// pullModel returns the snapshot of an "hf:" model in the worker's Hugging
// Face cache, downloading it first when it is not there (HF_ENDPOINT,
// HF_TOKEN, HF_HUB_OFFLINE and HF_HUB_CACHE apply, as for the CLI).
func pullModel(ctx context.Context, spec, variant string) (*hub.Snapshot, error) {
	v, err := hub.ParseVariant(variant)
	if err != nil {
		return nil, err
	}
	ref, err := hub.ParseRef(strings.TrimPrefix(spec, hfPrefix))
	if err != nil {
		return nil, err
	}
	c := hub.NewClient()
	if snap, err := c.Cached(ref, v); err == nil {
		return snap, nil
	}
	snap, err := c.Download(ctx, ref, v)
	if err != nil {
		return nil, fmt.Errorf("glinerbeam: pulling %s: %w", spec, err)
	}
	return snap, nil
}

// extractBatch is the one call the pipeline makes to the library, the call
// `gliner extract` makes: each text's entities and metadata. The long-text
// policy is a per-call option, so one model serves every policy.
func extractBatch(ctx context.Context, m *gliner.Model, texts []string, o Options) ([]gliner.Result, error) {
	return m.ExtractResults(ctx, texts, o.Labels, o.extractOptions()...)
}
