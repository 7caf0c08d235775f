package span

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Aggregation is a strategy of Hugging Face's token-classification pipeline
// for turning per-token predictions into entities.
type Aggregation int

const (
	// AggregateNone reports every token whose tag is not ignored, with its
	// own tag; nothing is grouped.
	AggregateNone Aggregation = iota
	// AggregateSimple groups adjacent tokens by their argmax tags; a word
	// split into sub-words may end up in several entities.
	AggregateSimple
	// AggregateFirst gives each word the tag of its first sub-word token,
	// then groups words.
	AggregateFirst
	// AggregateAverage averages the probabilities of a word's tokens, takes
	// the argmax, then groups words.
	AggregateAverage
	// AggregateMax gives each word the tag of its token with the highest
	// probability, then groups words.
	AggregateMax
)

var aggregationNames = [...]string{"none", "simple", "first", "average", "max"}

// String returns the pipeline's name of the strategy ("none", "simple",
// "first", "average", "max").
func (a Aggregation) String() string {
	if a >= 0 && int(a) < len(aggregationNames) {
		return aggregationNames[a]
	}
	return fmt.Sprintf("Aggregation(%d)", int(a))
}

// ParseAggregation returns the strategy of the given name (any case), or an
// error wrapping [ErrAggregation].
func ParseAggregation(name string) (Aggregation, error) {
	for i, s := range aggregationNames {
		if strings.EqualFold(name, s) {
			return Aggregation(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown strategy %q (want none, simple, first, average or max)", ErrAggregation, name)
}

// Offset is a half-open range [Start, End) of the text, in the unit the
// caller chooses (the gliner package uses byte offsets; the pipeline uses
// code points).
type Offset struct {
	Start, End int
}

// Window is the model output for one window of tokens of a text.
type Window struct {
	// Logits is the [T, numTags] row-major logits block of the window.
	Logits []float32
	// WordIDs holds, per token, the index of the word (of the whole text)
	// the token belongs to, or -1 for special and padding tokens, which are
	// skipped. A token whose word id equals the previous token's is a
	// sub-word (continuation) of that word.
	WordIDs []int
	// Offsets holds, per token, its range in the text (ignored for special
	// tokens).
	Offsets []Offset
	// FirstToken is the index of the window's first token in the token
	// sequence of the whole text; it only shifts [BIOEntity.FirstToken] and
	// LastToken.
	FirstToken int
}

// BIOOptions control [BIODecoder.Decode].
type BIOOptions struct {
	// Aggregation is the pipeline strategy (default AggregateNone).
	Aggregation Aggregation
	// Ignore lists labels to drop, nil meaning the pipeline's default
	// ["O"]. With AggregateNone it is compared with tag names ("B-X"),
	// otherwise with entity types ("X"), as in the pipeline.
	Ignore []string
}

// BIOEntity is a decoded entity of a token classifier.
type BIOEntity struct {
	// Type indexes [TagSet.Type]: the entity type (for AggregateNone, the
	// type of the token's tag).
	Type int
	// Tag is the tag id of the token (AggregateNone) or of the entity's
	// first token or word.
	Tag int
	// Score is the probability of the tag (AggregateNone) or the mean of
	// the members' scores.
	Score float32
	// Start and End are the text range, from the first member's start to
	// the last member's end.
	Start, End int
	// FirstWord and LastWord are the word ids of the first and last token
	// (inclusive).
	FirstWord, LastWord int
	// FirstToken and LastToken are the first and last token indices
	// (inclusive) in the whole text, see [Window.FirstToken].
	FirstToken, LastToken int
}

// BIODecoder decodes per-token logits of fixed-schema token classifiers
// with the aggregation strategies of Hugging Face's token-classification
// pipeline. Its buffers are reused across calls (steady state allocates
// nothing); it is not safe for concurrent use. The zero value is ready to
// use.
type BIODecoder struct {
	probs   []float32   // softmax of one window, [T, numTags]
	items   []BIOEntity // token- or word-level entities of one window
	scores  []float32   // member scores of a group, for the mean
	avg     []float32   // AggregateAverage accumulator
	ignTag  []bool
	ignType []bool
}

// Decode turns the windows' logits into entities and appends them to dst.
//
// Per window, as the pipeline's postprocess: softmax over each token's
// logits; special tokens (word id -1) dropped; with AggregateFirst, Average
// and Max the tokens of a word (consecutive tokens with the same word id)
// are merged into a word entity first (the pipeline decides sub-words from
// token text; here they come from word ids); then, except for
// AggregateNone, adjacent entities are grouped: an entity joins the
// previous group if its tag has the same type and is not a B- tag (and,
// with SchemeBIOES, is not S-/U- and the group was not closed by an
// E-/L-/S-/U- tag); the group's type is its first member's, its score the
// mean of the members' scores. Entities whose label is in opts.Ignore are
// dropped.
//
// Malformed sequences are handled the way the pipeline does: an I- tag
// after O (or at the start) begins an entity; a type change (B-X I-Y)
// starts a new entity of the new type; two B- tags give two entities.
//
// With more than one window, entities of all windows are merged as the
// pipeline does for stride: stably sorted by Start, then scanned keeping,
// among entities whose Start falls inside the previous kept one, the
// longer (End-Start), or the higher-scored at equal length (else the
// earlier). The length compares offsets in the caller's unit, so for
// pipeline-exact merges on non-ASCII text pass code-point offsets. As in
// the pipeline, AggregateNone cannot merge windows: that returns an error
// wrapping [ErrAggregation], as does an unknown strategy.
//
// Numerics: all float32 as in NumPy on x86-64: exp is NumPy's SIMD expf
// ([numpyExpf]), sums are NumPy's pairwise sums, means are divided in
// float64 and rounded to float32; the softmax and sums were checked bit for
// bit against NumPy 1.24 (TestNumpyFloat32).
//
// It panics with a "span: ..." message if a window's slices disagree in
// length with each other or with tags.Len().
func (d *BIODecoder) Decode(dst []BIOEntity, tags *TagSet, windows []Window, opts BIOOptions) ([]BIOEntity, error) {
	if opts.Aggregation < AggregateNone || opts.Aggregation > AggregateMax {
		return dst, fmt.Errorf("%w: %v", ErrAggregation, opts.Aggregation)
	}
	if opts.Aggregation == AggregateNone && len(windows) > 1 {
		return dst, fmt.Errorf("%w: strategy none cannot merge %d overlapping windows; choose simple, first, average or max", ErrAggregation, len(windows))
	}
	d.setIgnore(tags, opts.Ignore)
	first := len(dst)
	for i := range windows {
		dst = d.decodeWindow(dst, tags, &windows[i], opts.Aggregation)
	}
	if len(windows) > 1 {
		dst = append(dst[:first], mergeOverlapping(dst[first:])...)
	}
	return dst, nil
}

// setIgnore precomputes which tags and types are ignored.
func (d *BIODecoder) setIgnore(tags *TagSet, ignore []string) {
	if ignore == nil {
		ignore = defaultIgnore
	}
	d.ignTag = slices.Grow(d.ignTag[:0], tags.Len())[:tags.Len()]
	d.ignType = slices.Grow(d.ignType[:0], tags.NumTypes())[:tags.NumTypes()]
	for i := range d.ignTag {
		d.ignTag[i] = slices.Contains(ignore, tags.names[i])
	}
	for i := range d.ignType {
		d.ignType[i] = slices.Contains(ignore, tags.types[i])
	}
}

var defaultIgnore = []string{"O"}

// decodeWindow appends the entities of one window.
func (d *BIODecoder) decodeWindow(dst []BIOEntity, tags *TagSet, w *Window, agg Aggregation) []BIOEntity {
	n := tags.Len()
	if n == 0 {
		panic("span: empty TagSet (use NewTagSet)")
	}
	if len(w.Offsets) != len(w.WordIDs) || len(w.Logits) != len(w.WordIDs)*n {
		panic(fmt.Sprintf("span: window of %d word ids has %d offsets and %d logits (want %d×%d)",
			len(w.WordIDs), len(w.Offsets), len(w.Logits), len(w.WordIDs), n))
	}
	d.softmax(w.Logits, n)
	d.items = d.items[:0]
	if agg == AggregateNone || agg == AggregateSimple {
		d.tokenItems(tags, w)
	} else {
		d.wordItems(w, n, agg)
	}
	if agg == AggregateNone {
		for _, e := range d.items {
			if !d.ignTag[e.Tag] {
				dst = append(dst, e)
			}
		}
		return dst
	}
	return d.group(dst, tags)
}

// softmax fills d.probs with the row-wise softmax of logits, as the
// pipeline computes it in float32 NumPy: exp(x - max) / sum.
func (d *BIODecoder) softmax(logits []float32, n int) {
	d.probs = slices.Grow(d.probs[:0], len(logits))[:len(logits)]
	for r := 0; r < len(logits); r += n {
		row, out := logits[r:r+n], d.probs[r:r+n]
		m := slices.Max(row)
		for i, x := range row {
			out[i] = numpyExpf(x - m)
		}
		s := pairwiseSum(out)
		for i := range out {
			out[i] /= s
		}
	}
}

// pairwiseSum adds float32 values in the order of NumPy's pairwise
// summation (numpy/_core/src/umath/loops_utils.h.src), accumulating in
// float32.
func pairwiseSum(a []float32) float32 {
	n := len(a)
	switch {
	case n < 8:
		var s float32
		for _, v := range a {
			s += v
		}
		return s
	case n <= 128:
		var r [8]float32
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += a[i+j]
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += a[i]
		}
		return s
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
}

// mean is np.nanmean of float32 values without NaN: the pairwise float32
// sum divided by the count in float64, rounded to float32.
func mean(a []float32) float32 {
	return float32(float64(pairwiseSum(a)) / float64(len(a)))
}

// argmax returns the first index of the largest value and the value.
func argmax(row []float32) (int, float32) {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return best, row[best]
}

// tokenItems makes one entity per non-special token (gather_pre_entities
// and the none/simple branch of aggregate).
func (d *BIODecoder) tokenItems(tags *TagSet, w *Window) {
	n := tags.Len()
	for t, wid := range w.WordIDs {
		if wid < 0 {
			continue
		}
		tag, score := argmax(d.probs[t*n : (t+1)*n])
		d.items = append(d.items, BIOEntity{Type: tags.info[tag].typ, Tag: tag, Score: score,
			Start: w.Offsets[t].Start, End: w.Offsets[t].End,
			FirstWord: wid, LastWord: wid, FirstToken: w.FirstToken + t, LastToken: w.FirstToken + t})
	}
}

// wordItems makes one entity per word (aggregate_words): a token starts a
// new word unless its word id equals the previous token's.
func (d *BIODecoder) wordItems(w *Window, n int, agg Aggregation) {
	start := -1 // first token of the open word
	last := -1  // last token of the open word
	for t, wid := range w.WordIDs {
		if wid < 0 {
			continue
		}
		if start >= 0 && !(t > 0 && w.WordIDs[t-1] == wid) {
			d.items = append(d.items, d.aggregateWord(w, n, start, last, agg))
			start = -1
		}
		if start < 0 {
			start = t
		}
		last = t
	}
	if start >= 0 {
		d.items = append(d.items, d.aggregateWord(w, n, start, last, agg))
	}
}

// aggregateWord merges the non-special tokens start..last (inclusive) of
// one word (aggregate_word).
func (d *BIODecoder) aggregateWord(w *Window, n, start, last int, agg Aggregation) BIOEntity {
	var tag int
	var score float32
	switch agg {
	case AggregateFirst:
		tag, score = argmax(d.probs[start*n : (start+1)*n])
	case AggregateMax:
		bestT, bestMax := -1, float32(0)
		for t := start; t <= last; t++ {
			if w.WordIDs[t] < 0 {
				continue
			}
			if _, m := argmax(d.probs[t*n : (t+1)*n]); bestT < 0 || m > bestMax {
				bestT, bestMax = t, m
			}
		}
		tag, score = argmax(d.probs[bestT*n : (bestT+1)*n])
	case AggregateAverage:
		tag, score = d.averageWord(w, n, start, last)
	}
	return BIOEntity{Tag: tag, Score: score,
		Start: w.Offsets[start].Start, End: w.Offsets[last].End,
		FirstWord: w.WordIDs[start], LastWord: w.WordIDs[last],
		FirstToken: w.FirstToken + start, LastToken: w.FirstToken + last}
}

// averageWord is np.nanmean(scores, axis=0) over the word's tokens (a
// sequential float32 sum over tokens, divided in float64) and its argmax.
func (d *BIODecoder) averageWord(w *Window, n, start, last int) (int, float32) {
	d.avg = slices.Grow(d.avg[:0], n)[:n]
	clear(d.avg)
	count := 0
	for t := start; t <= last; t++ {
		if w.WordIDs[t] < 0 {
			continue
		}
		for c, p := range d.probs[t*n : (t+1)*n] {
			d.avg[c] += p
		}
		count++
	}
	for c := range d.avg {
		d.avg[c] = float32(float64(d.avg[c]) / float64(count))
	}
	return argmax(d.avg)
}

// group groups d.items (group_entities) and appends the groups whose type
// is not ignored.
func (d *BIODecoder) group(dst []BIOEntity, tags *TagSet) []BIOEntity {
	begin := 0
	for i := 1; i <= len(d.items); i++ {
		if i < len(d.items) && joins(tags, d.items[i-1].Tag, d.items[i].Tag) {
			continue
		}
		if e := d.groupEntity(tags, d.items[begin:i]); !d.ignType[e.Type] {
			dst = append(dst, e)
		}
		begin = i
	}
	return dst
}

// joins reports whether an entity tagged cur continues the group whose last
// member is tagged prev.
func joins(tags *TagSet, prev, cur int) bool {
	p, c := tags.info[prev], tags.info[cur]
	return c.group == p.group && c.role != roleBegin && !p.closes
}

// groupEntity merges a group (group_sub_entities).
func (d *BIODecoder) groupEntity(tags *TagSet, members []BIOEntity) BIOEntity {
	d.scores = d.scores[:0]
	for _, m := range members {
		d.scores = append(d.scores, m.Score)
	}
	first, last := members[0], members[len(members)-1]
	return BIOEntity{Type: tags.info[first.Tag].typ, Tag: first.Tag, Score: mean(d.scores),
		Start: first.Start, End: last.End, FirstWord: first.FirstWord, LastWord: last.LastWord,
		FirstToken: first.FirstToken, LastToken: last.LastToken}
}

// mergeOverlapping is the pipeline's aggregate_overlapping_entities, in
// place: entities is stably sorted by Start and the kept ones are moved to
// its front. The scan compares each entity with the previous kept one,
// itself included at the start; like the pipeline it keeps an empty entity
// (Start == End) first in the list twice.
func mergeOverlapping(entities []BIOEntity) []BIOEntity {
	if len(entities) == 0 {
		return entities
	}
	slices.SortStableFunc(entities, func(a, b BIOEntity) int { return cmp.Compare(a.Start, b.Start) })
	prev := entities[0]
	kept := 0
	for _, e := range entities {
		if prev.Start <= e.Start && e.Start < prev.End {
			cl, pl := e.End-e.Start, prev.End-prev.Start
			if cl > pl || cl == pl && e.Score > prev.Score {
				prev = e
			}
			continue
		}
		entities[kept] = prev
		kept++
		prev = e
	}
	entities = append(entities[:kept], prev)
	return entities
}

// TokenWindows appends to dst the token ranges [Start, End) of the windows
// that split numTokens tokens (without special tokens) into windows of at
// most size tokens, consecutive windows overlapping by stride tokens, the way
// Hugging Face tokenizers make overflowing encodings: windows start at 0,
// size−stride, 2·(size−stride), ... and the last one ends at numTokens. A
// sequence of at most size tokens (including none) is one window.
//
// It panics with a "span: ..." message unless 0 ≤ stride < size and
// numTokens ≥ 0.
func TokenWindows(dst []Offset, numTokens, size, stride int) []Offset {
	if stride < 0 || stride >= size || numTokens < 0 {
		panic(fmt.Sprintf("span: TokenWindows needs 0 ≤ stride (%d) < size (%d) and numTokens (%d) ≥ 0", stride, size, numTokens))
	}
	if numTokens <= size {
		return append(dst, Offset{0, numTokens})
	}
	for start := 0; ; start += size - stride {
		end := min(start+size, numTokens)
		dst = append(dst, Offset{start, end})
		if end == numTokens {
			return dst
		}
	}
}
