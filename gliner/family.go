package gliner

import (
	"context"

	"github.com/gliner-go/gliner/span"
)

// family is one family of models behind a [Model]: uni-encoder GLiNER
// (span and token level, uni.go), bi-encoder GLiNER (bi.go) and fixed-schema
// token classifiers (bio.go). Open picks the family once (families); the rest
// of Model never asks which family it holds. A new family, or a new way of
// scoring within one, is a new implementation of this interface.
type family interface {
	// name is the family's name in log records.
	name() string
	// checkLabels validates and de-duplicates the labels of a call.
	checkLabels(labels []string) ([]string, error)
	// start prepares one call (label embeddings, prompts, windows) and
	// returns the items the model runs, in text order, and the runner of
	// their batches.
	start(ctx context.Context, c *call) (runner, []item, error)
	// schema returns the fixed label set, or nil for zero-shot families.
	schema() []string
	// close releases what the family owns.
	close() error
}

// runner runs the batches of one call: one model call per batch. It writes
// the entities of a text into call.out once the batch holding the text's
// last item has run.
type runner interface {
	runBatch(ctx context.Context, b batch) error
}

// opener opens the family of a model whose Model fields (dir, cfg, kind,
// options) are set.
type opener func(m *Model, c openConfig) (family, error)

// families maps each kind to the opener of its family.
var families = [...]opener{
	KindSpan:    openUni,
	KindToken:   openUni,
	KindBiSpan:  openBi,
	KindBiToken: openBi,
	KindBIO:     openBIO,
}

// call is one ExtractBatch call: what every batch of it shares.
type call struct {
	texts  []string
	valid  []int    // indices of the non-blank texts, the only ones run
	labels []string // checked and de-duplicated
	opts   span.Options
	ec     extractConfig
	out    [][]Entity // out[i] is the result of texts[i]
	info   []Result   // info[i]: the metadata of texts[i] (Entities unset)
	long              // windows and label groups (chunk.go)
}

// item is one sequence of a model call: a whole text or, for families that
// cut long texts into windows, one window of a text. The per-item
// bookkeeping of a batch lives here, not in slices beside it.
type item struct {
	text   int  // index into call.texts and call.out
	window int  // the window of the text (0 for a whole text)
	last   bool // the text's last item: its entities are decoded after it
	group  int  // the label group (chunk.go; 0 without label batching)
	merge  bool // one of several windows or groups of the text (chunk.go)
}

// batch is the items of one model call. Its items share a label group:
// labels and opts are the group's (they shadow the call's, which hold all
// labels), and the decoding options of the batch.
type batch struct {
	*call
	items  []item
	labels []string
	opts   span.Options
}

// wholeTexts returns one item per valid text.
func wholeTexts(c *call) []item {
	items := make([]item, len(c.valid))
	for j, i := range c.valid {
		items[j] = item{text: i, last: true}
	}
	return items
}
