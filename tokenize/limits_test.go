package tokenize

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// limitWordPiece is a minimal tokenizer.json around a WordPiece vocabulary.
func limitWordPiece(vocab string) string {
	return `{"version": "1.0", "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": ` + vocab + `}}`
}

func TestCountEntries(t *testing.T) {
	tests := []struct {
		json string
		want int
	}{
		{`{}`, 0},
		{` [ ] `, 0},
		{`{"a": 1}`, 1},
		{`{"a": 1, "b": [1, 2, 3], "c": {"x": 1, "y": 2}}`, 3},
		{`[["a", -1.5], ["b,c", 0], ["\"", 1]]`, 3},
		{`{"\\": 1, ",": 2, "\\\",": 3}`, 3},
		{`[[], {}, ""]`, 3},
	}
	for _, tt := range tests {
		if got := countEntries([]byte(tt.json)); got != tt.want {
			t.Errorf("countEntries(%s) = %d, want %d", tt.json, got, tt.want)
		}
	}
}

// TestLoaderLimits checks that inputs beyond the loaders' limits fail with
// ErrLimit (and ErrInvalidConfig), and that inputs within them still load.
func TestLoaderLimits(t *testing.T) {
	var big strings.Builder
	big.WriteString(`{"[UNK]": 0`)
	for i := 1; i <= MaxVocabSize; i++ {
		big.WriteString(`, "t`)
		big.WriteString(strconv.Itoa(i))
		big.WriteString(`": 1`)
	}
	big.WriteString("}")
	tests := []struct {
		name  string
		json  string
		limit bool // else it loads
	}{
		{"small vocabulary", limitWordPiece(`{"[UNK]": 0, "a": 1}`), false},
		{"vocabulary beyond MaxVocabSize", limitWordPiece(big.String()), true},
		{"id at MaxVocabSize", limitWordPiece(`{"[UNK]": 0, "a": ` + strconv.Itoa(MaxVocabSize) + `}`), true},
		{"id below MaxVocabSize", limitWordPiece(`{"[UNK]": 0, "a": ` + strconv.Itoa(MaxVocabSize-1) + `}`), false},
		{"BPE id beyond", `{"model": {"type": "BPE", "vocab": {"a": 2000000000}, "merges": []}}`, true},
		{"Unigram vocabulary beyond", `{"model": {"type": "Unigram", "unk_id": 0, "vocab": [` +
			strings.Repeat(`["a", 0], `, MaxVocabSize) + `["b", 0]]}}`, true},
		{"Sequence at the depth limit", withNormalizer(nestedSequence(MaxSequenceDepth)), false},
		{"Sequence beyond the depth limit", withNormalizer(nestedSequence(MaxSequenceDepth + 1)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(strings.NewReader(tt.json))
			if !tt.limit {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrLimit) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("got %v, want ErrLimit and ErrInvalidConfig", err)
			}
		})
	}
}

func withNormalizer(n string) string {
	return `{"normalizer": ` + n + `, "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0}}}`
}

// nestedSequence is a Lowercase normalizer inside depth Sequences.
func nestedSequence(depth int) string {
	return strings.Repeat(`{"type": "Sequence", "normalizers": [`, depth) + `{"type": "Lowercase"}` + strings.Repeat("]}", depth)
}

const mib = 1 << 20

// zeros is an endless stream of '{' then zero bytes.
type zeros struct{ started bool }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	if !z.started && len(p) > 0 {
		p[0], z.started = '{', true
	}
	return len(p), nil
}

// TestSizeLimits checks that an endless reader and files beyond the size
// limits fail with ErrLimit, reading no more than the limit.
func TestSizeLimits(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := New(&zeros{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("endless tokenizer.json: got %v, want ErrLimit", err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("endless tokenizer.json: %.1f MiB allocated", float64(alloc)/mib)
	if alloc > 3*MaxTokenizerBytes+mib {
		t.Errorf("endless tokenizer.json: allocated %d bytes, want at most 3 × %d", alloc, MaxTokenizerBytes)
	}
	_, err = NewSentencePiece(io.LimitReader(&zeros{}, MaxTokenizerBytes+1))
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("spm.model beyond the limit: got %v, want ErrLimit", err)
	}

	dir := t.TempDir()
	sparse := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, size); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, p := range []string{sparse("tokenizer.json", MaxTokenizerBytes+1), filepath.Dir(sparse(TokenizerJSONFile, MaxTokenizerBytes+1))} {
		if _, err := Load(p); !errors.Is(err, ErrLimit) {
			t.Errorf("Load(%s): got %v, want ErrLimit", p, err)
		}
	}
	if _, err := NewFromFile(filepath.Join(dir, TokenizerJSONFile)); !errors.Is(err, ErrLimit) {
		t.Errorf("NewFromFile: got %v, want ErrLimit", err)
	}
}

func TestSideFileLimit(t *testing.T) {
	dir := modelFolder(t, true, map[string]string{TokenizerConfigFile: glinerTokenizerConfig})
	if _, err := Load(dir); err != nil {
		t.Fatal(err)
	}
	pad := bytes.Repeat([]byte(" "), MaxSideFileBytes)
	if err := os.WriteFile(filepath.Join(dir, TokenizerConfigFile), append(pad, glinerTokenizerConfig...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); !errors.Is(err, ErrLimit) {
		t.Fatalf("got %v, want ErrLimit", err)
	}
}

// TestTrailingData checks that data after the tokenizer.json object is
// refused, as the Rust library (serde_json) refuses it.
func TestTrailingData(t *testing.T) {
	if _, err := New(strings.NewReader(limitWordPiece(`{"[UNK]": 0}`) + "\n")); err != nil {
		t.Fatal(err)
	}
	_, err := New(strings.NewReader(limitWordPiece(`{"[UNK]": 0}`) + `{"x": 1}`))
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("got %v, want ErrInvalidConfig", err)
	}
}

func TestMaxID(t *testing.T) {
	tests := []struct {
		json string
		want int
	}{
		{limitWordPiece(`{"[UNK]": 0, "a": 5}`), 5},
		// An added token outside the vocabulary takes the next id, whatever
		// its "id" field says (as in the Rust library).
		{`{"added_tokens": [{"id": 9, "content": "<x>"}], "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1}}}`, 2},
		{`{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["a", 0], ["b", 0]]}}`, 1},
		{`{"model": {"type": "BPE", "vocab": {"a": 0, "b": 7}, "merges": []}}`, 7},
	}
	for _, tt := range tests {
		p, err := New(strings.NewReader(tt.json))
		if err != nil {
			t.Fatal(err)
		}
		if got := p.MaxID(); got != tt.want {
			t.Errorf("MaxID of %s = %d, want %d", tt.json, got, tt.want)
		}
	}
}
