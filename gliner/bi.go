package gliner

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/span"
	"github.com/gliner-go/gliner/tokenize"
)

// Files of a bi-encoder model folder (GLiNER's labels_encoder set in
// gliner_config.json, docs/reference.md §6). scripts/export_biencoder.py
// writes such a folder from a checkpoint of the reference Python package.
//
// Layout:
//
//	gliner_config.json      labels_encoder set (a Hugging Face id; informational)
//	tokenizer.json          the text tokenizer (or spm.model + added_tokens.json), as for
//	                        uni-encoder models
//	labels_tokenizer/       the label encoder's tokenizer (tokenizer.json, tokenizer_config.json);
//	                        the reference loads it from the hub by the labels_encoder id, a
//	                        folder carries it to work offline
//	labels_encoder.onnx     the label graph
//	text_encoder.onnx       the text graph
//	model.onnx              optional: the reference's own one-graph export
//	                        (docs/reference.md §4.4)
//
// The two graphs may also sit in an onnx/ subfolder. A folder with only a
// one-graph model.onnx (or opened with [WithONNXFile]) runs that graph,
// which encodes the labels on every call: label embeddings are then never
// cached.
//
// The label graph takes labels_input_ids and labels_attention_mask (int64
// [C, L]: each label tokenized alone as plain text with the label
// tokenizer's special tokens, e.g. "[CLS] label [SEP]") and returns one
// float32 row of D values per label. The text graph takes the text inputs of
// a span model without any prompt (docs/reference.md §4.2, §6: input_ids,
// attention_mask and words_mask int64 [B, T], words numbered from 1 on the
// first word; text_lengths int64 [B, 1]; span_idx int64 [B, W·K, 2];
// span_mask bool [B, W·K]). Two shapes exist, told apart by the graphs' inputs and outputs:
//
//   - Matched (span models without post-fusion layers). The label graph
//     returns label_vectors [C, D]: the label encoder's last hidden state,
//     labels_projection, attention-masked mean pooling over all tokens
//     ([CLS] and [SEP] included), then the span head's prompt_rep_layer MLP.
//     The text graph returns span_reps [B, W, K, D]. This library computes
//     logits = span_reps · label_vectorsᵀ itself (span.MatchLogits), so the
//     label vectors, once computed, serve every text and can be cached.
//   - Fused (post_fusion_schema set: fusion layers mix labels into the
//     text). The label graph returns labels_embeddings [C, D], the pooled
//     embeddings before fusion and prompt_rep_layer; the text graph takes
//     them as a further input labels_embeddings float32 [C, D] and returns
//     logits [B, W, K, C]. Label embeddings are cached the same way; the text
//     graph's cost grows with C.
//
// The probabilities are sigmoid(logits) decoded as for span models
// (docs/reference.md §5).
const (
	LabelsGraphFile    = "labels_encoder.onnx"
	TextGraphFile      = "text_encoder.onnx"
	LabelsTokenizerDir = "labels_tokenizer"
)

// Tensor names of the bi-encoder graphs.
const (
	labelIDsName     = "labels_input_ids"
	labelMaskName    = "labels_attention_mask"
	labelVectorsName = "label_vectors"
	labelEmbedsName  = "labels_embeddings"
	spanRepsName     = "span_reps"
)

// labelBatch is the largest number of labels sent to the label graph at once.
const labelBatch = 64

// biMode is how a bi-encoder folder splits the work between its graphs.
type biMode int

const (
	biMatched  biMode = iota // labels -> label_vectors; text -> span_reps; logits in Go
	biFused                  // labels -> labels_embeddings; text + labels_embeddings -> logits
	biOneGraph               // one graph: text + label ids -> logits (no cache)
)

func (b biMode) String() string {
	return [...]string{"matched", "fused", "one-graph"}[b]
}

// biEncoder is the bi-encoder GLiNER family: a label graph embeds the
// labels (cached across calls), a text graph encodes the texts without a
// prompt.
type biEncoder struct {
	m      *Model // the text side: tokenizer, splitter, tensors, decoders
	mode   biMode
	text   *encoder.Session // the text graph, or the one graph
	labels *encoder.Session // the label graph; nil in biOneGraph mode
	ltok   tokenize.Tokenizer
	lpad   int64
	lmax   int // label sub-token limit (0 = none)
	dim    int // width of the label graph's rows (0 in biOneGraph mode)
	cache  *labelCache
	factor *biFactor // the factorised span kernel (matched mode), or nil (bi_factor.go)
	// labelRuns counts runs of the label graph (tests check that a warm
	// cache needs none).
	labelRuns atomic.Int64
}

var _ family = (*biEncoder)(nil)

func (b *biEncoder) name() string     { return "bi-encoder" }
func (b *biEncoder) schema() []string { return nil }

func (b *biEncoder) checkLabels(labels []string) ([]string, error) {
	return checkPromptLabels(b.m.cfg, labels)
}

func (b *biEncoder) close() error {
	var errs []error
	if b.text != nil {
		errs = append(errs, b.text.Close())
	}
	if b.labels != nil {
		errs = append(errs, b.labels.Close())
	}
	if b.factor != nil {
		errs = append(errs, b.factor.sess.Close())
	}
	return errors.Join(errs...)
}

// openBi loads a bi-encoder model folder (see [LabelsGraphFile]).
func openBi(m *Model, c openConfig) (_ family, err error) {
	if m.cfg.tokenLevel() {
		return nil, &ConfigError{Path: filepath.Join(m.dir, "gliner_config.json"), Field: "span_mode",
			Err: fmt.Errorf("%w: token-level bi-encoder models are not supported yet", ErrUnsupported)}
	}
	if err := m.loadTokenizer(); err != nil {
		return nil, err
	}
	ldir := filepath.Join(m.dir, LabelsTokenizerDir)
	if st, err := os.Stat(ldir); err != nil || !st.IsDir() {
		return nil, &ModelError{Dir: m.dir, File: LabelsTokenizerDir, Err: fmt.Errorf("%w: the label encoder's tokenizer (of %q) must be in the folder %s/ (scripts/export_biencoder.py writes it)", ErrMissingFile, m.cfg.LabelsEncoder, LabelsTokenizerDir)}
	}
	ltok, err := tokenize.Load(ldir)
	if err != nil {
		return nil, &ModelError{Dir: m.dir, File: LabelsTokenizerDir, Err: err}
	}
	b := &biEncoder{m: m, ltok: ltok, lpad: int64(ltok.PadID()), lmax: modelMaxLength(ldir)}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	textPath, labelsPath, err := findBiGraphs(m.dir, c)
	if err != nil {
		return nil, err
	}
	if labelsPath == "" {
		b.mode = biOneGraph
		b.text, err = openGraph(m.dir, textPath, biContract(biOneGraph, false), c)
	} else {
		err = b.openTwoGraphs(textPath, labelsPath, c)
	}
	if err != nil {
		return nil, err
	}
	if err = b.probe(); err != nil {
		return nil, err
	}
	if err = b.useFactorised(c, textPath); err != nil {
		return nil, err
	}
	m.bi = b
	return b, nil
}

// openTwoGraphs opens the text and label graphs of a matched or fused
// folder and its label cache.
func (b *biEncoder) openTwoGraphs(textPath, labelsPath string, c openConfig) (err error) {
	m := b.m
	if b.text, err = openGraph(m.dir, textPath, nil, c); err != nil {
		return err
	}
	if slices.ContainsFunc(b.text.Inputs(), func(t encoder.TensorInfo) bool { return t.Name == labelEmbedsName }) {
		b.mode = biFused
	}
	if err = checkGraph(m.dir, textPath, b.text, biContract(b.mode, false)); err != nil {
		return err
	}
	if b.labels, err = openGraph(m.dir, labelsPath, biContract(b.mode, true), c); err != nil {
		return err
	}
	b.dim = m.cfg.HiddenSize
	if sh := b.labels.Outputs()[0].Shape; len(sh) == 2 && sh[1] > 0 {
		b.dim = int(sh[1])
	}
	ldir := filepath.Join(m.dir, LabelsTokenizerDir)
	id, err := biIdentity(b.mode, labelsPath, ldir)
	if err != nil {
		return &ModelError{Dir: m.dir, Err: err}
	}
	b.cache = newLabelCache(c.bi.size(), b.dim, id, c.bi.cacheDir)
	if err := b.cache.load(); err != nil {
		m.logger.Warn("gliner: ignoring the label cache file; it will be rebuilt", "error", err)
	}
	return nil
}

// findBiGraphs returns the text (or one-graph) and label graph files of a
// folder; labelsPath is "" for a one-graph folder.
func findBiGraphs(dir string, c openConfig) (textPath, labelsPath string, err error) {
	if c.onnxFile == "" && (c.variant == "" || c.variant == "fp32") {
		for _, sub := range []string{"", "onnx"} {
			t := filepath.Join(dir, sub, TextGraphFile)
			l := filepath.Join(dir, sub, LabelsGraphFile)
			if isRegular(t) && isRegular(l) {
				return t, l, nil
			}
		}
	}
	p, err := findONNX(dir, c)
	if err != nil {
		return "", "", &ModelError{Dir: dir, File: TextGraphFile, Err: fmt.Errorf("%w: a bi-encoder folder needs %s and %s, or a one-graph model.onnx", ErrMissingFile, TextGraphFile, LabelsGraphFile)}
	}
	return p, "", nil
}

func isRegular(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// openGraph opens a graph and checks it against want (when not nil).
func openGraph(dir, path string, want *encoder.Contract, c openConfig) (*encoder.Session, error) {
	s, err := encoder.Open(path, c.encoderOpt...)
	if err != nil {
		return nil, err
	}
	if want != nil {
		if err := checkGraph(dir, path, s, want); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func checkGraph(dir, path string, s *encoder.Session, want *encoder.Contract) error {
	if err := s.Check(*want); err != nil {
		rel, _ := filepath.Rel(dir, path)
		return &ModelError{Dir: dir, File: rel, Err: err}
	}
	return nil
}

// biContract returns the contract of the label graph (labels) or of the
// text graph of a mode.
func biContract(mode biMode, labels bool) *encoder.Contract {
	i64 := func(name string) encoder.TensorSpec {
		return encoder.TensorSpec{Name: name, Type: encoder.Int64, Shape: anyShape(2)}
	}
	f32 := func(name string, rank int) encoder.TensorSpec {
		return encoder.TensorSpec{Name: name, Type: encoder.Float32, Shape: anyShape(rank)}
	}
	if labels {
		out := labelVectorsName
		if mode == biFused {
			out = labelEmbedsName
		}
		return &encoder.Contract{Inputs: []encoder.TensorSpec{i64(labelIDsName), i64(labelMaskName)},
			Outputs: []encoder.TensorSpec{f32(out, 2)}}
	}
	c := textContract(true)
	switch mode {
	case biMatched:
		c.Outputs = []encoder.TensorSpec{f32(spanRepsName, 4)}
	case biFused:
		c.Inputs = append(c.Inputs, f32(labelEmbedsName, 2))
	case biOneGraph:
		c.Inputs = append(c.Inputs, i64(labelIDsName), i64(labelMaskName))
	}
	return &c
}

// biIdentity is the identity of a model's label embeddings: a SHA-256 of the
// mode, the label graph and the files of the label tokenizer folder.
func biIdentity(mode biMode, labelsPath, ldir string) ([32]byte, error) {
	h := sha256.New()
	fmt.Fprintf(h, "gliner bi-encoder labels/1 %s\x00", mode)
	files := []string{labelsPath}
	ents, err := os.ReadDir(ldir)
	if err != nil {
		return [32]byte{}, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		files = append(files, filepath.Join(ldir, n))
	}
	for _, p := range files {
		fmt.Fprintf(h, "%s\x00", filepath.Base(p))
		if err := hashFile(h, p); err != nil {
			return [32]byte{}, err
		}
	}
	var id [32]byte
	h.Sum(id[:0])
	return id, nil
}

// probe runs the text graph once on "a b c" to check max_width and the
// embedding width against the label graph (without running the label graph,
// so that a warm cache means no label-encoder call at all).
func (b *biEncoder) probe() error {
	m := b.m
	et := m.encodeText("a b c", nil)
	in := m.inputTensors([]encodedText{et})
	K := int64(m.cfg.MaxWidth)
	var want []int64
	switch b.mode {
	case biMatched:
		want = []int64{1, 3, K, int64(b.dim)}
	case biFused:
		in = append(in, encoder.Float32Tensor(labelEmbedsName, []int64{2, int64(b.dim)}, make([]float32, 2*b.dim)))
		want = []int64{1, 3, K, 2}
	case biOneGraph:
		in = append(in, b.labelIDTensors([]string{"x", "y"})...)
		want = []int64{1, 3, K, 2}
	}
	outs, err := b.text.Run(context.Background(), in)
	if err != nil {
		return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: test run of the %s text graph failed (does max_width %d or hidden_size %d match the graph?): %v", ErrMismatch, b.mode, m.cfg.MaxWidth, b.dim, err)}
	}
	if sh := outs[0].Shape; !equalShape(sh, want...) {
		return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: the %s text graph gives %s %v for a 3-word text, want %v (max_width %d of gliner_config.json, label embedding size %d)", ErrMismatch, b.mode, outs[0].Name, sh, want, m.cfg.MaxWidth, b.dim)}
	}
	return nil
}

// biCall is one call of a bi-encoder model: the label rows of its labels
// and the extra inputs of its text graph.
type biCall struct {
	*biEncoder
	vecs  []float32        // [C·dim] label rows; nil in one-graph mode
	fold  *labelFold       // the folded label rows of the factorised kernel, or nil (see biFactor.folds)
	extra []encoder.Tensor // labels_embeddings (fused) or label ids (one graph)
}

// start resolves the label rows of one call (from the call's LabelSet, the
// cache or the label graph).
func (b *biEncoder) start(ctx context.Context, c *call) (runner, []item, error) {
	bc := &biCall{biEncoder: b}
	switch ls := c.ec.labelSet; {
	case ls != nil && ls.bi != b:
		return nil, nil, fmt.Errorf("%w: the label set was computed by another model", ErrMismatch)
	case ls != nil && !slices.Equal(ls.labels, c.labels):
		return nil, nil, fmt.Errorf("%w: the labels differ from the label set's", ErrLabel)
	case ls != nil:
		bc.vecs, bc.fold = ls.vecs, ls.fold
	case b.mode != biOneGraph:
		var err error
		if bc.vecs, err = b.labelVectors(ctx, c.labels); err != nil {
			return nil, nil, err
		}
	}
	if b.factor != nil && bc.fold == nil && b.factor.folds(len(c.labels)) {
		bc.fold = b.foldLabels(c.labels, bc.vecs)
	}
	switch b.mode {
	case biFused:
		bc.extra = []encoder.Tensor{encoder.Float32Tensor(labelEmbedsName, []int64{int64(len(c.labels)), int64(b.dim)}, bc.vecs)}
	case biOneGraph:
		bc.extra = b.labelIDTensors(c.labels)
	}
	items, err := b.m.planItems(c, false)
	return bc, items, err
}

// runBatch encodes the batch's texts, runs the text graph (or, with the
// factorised kernel, its rewritten graph) once and decodes the entities.
func (bc *biCall) runBatch(ctx context.Context, b batch) error {
	m := bc.m
	encs, err := m.encodeItems(b, nil)
	if err != nil {
		return err
	}
	if bc.factor != nil {
		fs, err := bc.factor.run(ctx, m, encs)
		if err != nil {
			return err
		}
		return bc.decodeFactorised(fs, b, encs)
	}
	outs, err := bc.text.Run(ctx, append(m.inputTensors(encs), bc.extra...))
	if err != nil {
		return err
	}
	if bc.mode == biMatched {
		return bc.decodeMatched(outs[0], b, encs)
	}
	return bc.decodeLogits(outs[0], b, encs)
}

// decodeMatched matches each text's own span rows (not the batch padding)
// against the label rows and decodes them, texts in parallel: MatchLogits
// is single-threaded.
func (bc *biCall) decodeMatched(res encoder.Tensor, b batch, encs []encodedText) error {
	lengths := wordCounts(encs)
	B, W, K, D := len(b.items), span.MaxLen(lengths), bc.m.cfg.MaxWidth, bc.dim
	if !equalShape(res.Shape, int64(B), int64(W), int64(K), int64(D)) {
		return fmt.Errorf("%w: %s shape %v, want [%d %d %d %d]", ErrMismatch, res.Name, res.Shape, B, W, K, D)
	}
	parallel(len(b.items), func(j int) {
		d := bc.m.decoders.Get().(*span.Decoder)
		defer bc.m.decoders.Put(d)
		reps := res.Float32[j*W*K*D:][:lengths[j]*K*D]
		if bad := badWords(b.texts[b.items[j].text], encs[j].words); bad != nil {
			maskSpanItem(reps, K, D, bad) // NaN span rows give NaN logits
		}
		spans := d.DecodeMatched(nil, reps, bc.vecs, D, lengths[j], K, b.opts)
		b.emit(b.items[j], encs[j], spans)
	})
	return nil
}

// parallel calls f(0) ... f(n-1) on up to GOMAXPROCS goroutines.
func parallel(n int, f func(j int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers < 2 {
		for j := range n {
			f(j)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := int(next.Add(1) - 1); j < n; j = int(next.Add(1) - 1) {
				f(j)
			}
		}()
	}
	wg.Wait()
}

// decodeLogits decodes the span logits of the fused and one-graph text
// graphs.
func (bc *biCall) decodeLogits(res encoder.Tensor, b batch, encs []encodedText) error {
	lengths := wordCounts(encs)
	B, W, K, C := len(b.items), span.MaxLen(lengths), bc.m.cfg.MaxWidth, len(b.labels)
	if !equalShape(res.Shape, int64(B), int64(W), int64(K), int64(C)) {
		return fmt.Errorf("%w: logits shape %v, want [%d %d %d %d]", ErrMismatch, res.Shape, B, W, K, C)
	}
	d := bc.m.decoders.Get().(*span.Decoder)
	defer bc.m.decoders.Put(d)
	maskSpanBatch(res.Float32, b, encs, K, C)
	spans := d.DecodeSpansBatch(nil, res.Float32, lengths, K, C, b.opts)
	for j, it := range b.items {
		b.emit(it, encs[j], spans[j])
	}
	return nil
}
