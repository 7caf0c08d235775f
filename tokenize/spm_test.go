package tokenize

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gliner-go/gliner/internal/testenv"
)

const debertaSPM = "tokenizers/deberta-v3.spm.model"

func readDebertaSPM(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(testenv.DataFile(tb, debertaSPM))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// runConverterScript runs scripts/spm_to_tokenizer_json.py and returns the
// tokenizer.json it writes.
func runConverterScript(tb testing.TB, model string, args ...string) []byte {
	tb.Helper()
	py := testenv.Python(tb, "sentencepiece")
	out := filepath.Join(tb.TempDir(), "tokenizer.json")
	script := filepath.Join(testenv.RepoRoot(), "scripts", "spm_to_tokenizer_json.py")
	cmd := exec.Command(py, append([]string{script, model, out}, args...)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s: %v\n%s", script, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func decodeJSON(tb testing.TB, b []byte) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// TestConvertSentencePieceMatchesScript checks that the Go conversion builds
// the same tokenizer.json (as JSON values; number spelling may differ) as
// scripts/spm_to_tokenizer_json.py, with and without options.
func TestConvertSentencePieceMatchesScript(t *testing.T) {
	model := testenv.DataFile(t, debertaSPM)
	data := readDebertaSPM(t)
	tests := []struct {
		name string
		args []string
		opts []SentencePieceOption
	}{
		{"gliner tokens", []string{"--add-tokens", "[FLERT],<<ENT>>,<<SEP>>"}, []SentencePieceOption{WithAddedTokens("[FLERT]", "<<ENT>>", "<<SEP>>")}},
		{"lower case and punct", []string{"--do-lower-case", "--split-by-punct"}, []SentencePieceOption{WithLowerCase(), WithSplitByPunct()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := decodeJSON(t, runConverterScript(t, model, tc.args...))
			b, err := ConvertSentencePiece(bytes.NewReader(data), tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeJSON(t, b)
			if !reflect.DeepEqual(got, want) {
				g, w := got.(map[string]any), want.(map[string]any)
				for k := range w {
					if !reflect.DeepEqual(g[k], w[k]) {
						gs, _ := json.Marshal(g[k])
						ws, _ := json.Marshal(w[k])
						t.Errorf("%s differs:\n got %.600s\nwant %.600s", k, gs, ws)
					}
				}
				t.FailNow()
			}
		})
	}
}

func TestConvertSentencePieceAddedTokens(t *testing.T) {
	data := readDebertaSPM(t)
	b, err := ConvertSentencePiece(bytes.NewReader(data),
		WithAddedTokens("[FLERT]", "<<ENT>>", "<<SEP>>"),
		WithAddedTokenSpecs(AddedTokenSpec{ID: 3, Content: "[UNK]", Special: true}, AddedTokenSpec{ID: 128004, Content: "<x>", LStrip: true}))
	if err != nil {
		t.Fatal(err)
	}
	var tj struct {
		AddedTokens []tjAddedToken `json:"added_tokens"`
	}
	if err := json.Unmarshal(b, &tj); err != nil {
		t.Fatal(err)
	}
	want := []tjAddedToken{
		{ID: 0, Content: "[PAD]", Special: true},
		{ID: 1, Content: "[CLS]", Special: true},
		{ID: 2, Content: "[SEP]", Special: true},
		{ID: 3, Content: "[UNK]", Special: true}, // flags replaced by the spec
		{ID: 128000, Content: "[MASK]", Special: true},
		{ID: 128001, Content: "[FLERT]", Normalized: true},
		{ID: 128002, Content: "<<ENT>>", Normalized: true},
		{ID: 128003, Content: "<<SEP>>", Normalized: true},
		{ID: 128004, Content: "<x>", LStrip: true},
	}
	if !reflect.DeepEqual(tj.AddedTokens, want) {
		t.Fatalf("added tokens\n got %+v\nwant %+v", tj.AddedTokens, want)
	}
}

func TestConvertSentencePieceBadSpecs(t *testing.T) {
	data := readDebertaSPM(t)
	tests := []struct {
		name string
		spec AddedTokenSpec
	}{
		{"piece at another id", AddedTokenSpec{ID: 128001, Content: "[CLS]"}},
		{"id of another added token", AddedTokenSpec{ID: 128000, Content: "<<ENT>>"}},
		{"id of a vocabulary piece", AddedTokenSpec{ID: 500, Content: "<<ENT>>"}},
		{"empty content", AddedTokenSpec{ID: 128005}},
		{"negative id", AddedTokenSpec{ID: -1, Content: "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ConvertSentencePiece(bytes.NewReader(data), WithAddedTokenSpecs(tc.spec))
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
		})
	}
}

// appendMessage appends a length-delimited field holding the message fields.
func appendMessage(b []byte, num protowire.Number, fields []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, fields)
}

func varintField(num protowire.Number, v uint64) []byte {
	b := protowire.AppendTag(nil, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func TestNewSentencePieceRejectsNonUnigram(t *testing.T) {
	data := readDebertaSPM(t)
	for typ, name := range map[uint64]string{2: "BPE", 3: "WORD", 4: "CHAR", 9: "9"} {
		// A second trainer_spec occurrence is merged into the first; its
		// model_type wins.
		b := appendMessage(bytes.Clone(data), 2, varintField(3, typ))
		_, err := NewSentencePiece(bytes.NewReader(b))
		var ue *UnsupportedError
		if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupported) {
			t.Fatalf("model type %s: err = %v, want an *UnsupportedError", name, err)
		}
		if !bytes.Contains([]byte(err.Error()), []byte(name)) {
			t.Errorf("model type %s: error %q does not name it", name, err)
		}
	}
}

func TestNewSentencePieceRejectsBrokenModels(t *testing.T) {
	piece := func(p string, typ uint64) []byte {
		f := protowire.AppendTag(nil, 1, protowire.BytesType)
		f = protowire.AppendString(f, p)
		f = append(f, varintField(3, typ)...)
		return appendMessage(nil, 1, f)
	}
	valid := append(append(piece("[CLS]", 3), piece("[SEP]", 3)...), piece("[UNK]", 2)...)
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated tag", []byte{0x0a}},
		{"truncated length", []byte{0x0a, 0x80}},
		{"length past end", []byte{0x0a, 0x05, 'a'}},
		{"bad wire type", []byte{0x0f}},
		{"empty piece", append(bytes.Clone(valid), piece("", 1)...)},
		{"duplicate piece", append(bytes.Clone(valid), piece("[CLS]", 1)...)},
		{"invalid utf-8 piece", append(bytes.Clone(valid), piece("\xff", 1)...)},
		{"unknown piece type", append(bytes.Clone(valid), piece("x", 9)...)},
		{"unk id out of range", append(bytes.Clone(valid), appendMessage(nil, 2, varintField(40, 7))...)},
		{"negative unk id", append(bytes.Clone(valid), appendMessage(nil, 2, varintField(40, 1<<64-1))...)},
		{"no [CLS]", append(piece("[SEP]", 3), piece("[UNK]", 2)...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSentencePiece(bytes.NewReader(tc.data))
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
		})
	}
	// The minimal valid model converts.
	if _, err := ConvertSentencePiece(bytes.NewReader(valid)); err != nil {
		t.Fatalf("minimal model: %v", err)
	}
}

// BenchmarkNewSentencePiece measures loading the DeBERTa-v3 spm.model: the
// conversion to tokenizer.json and the loading of that JSON.
func BenchmarkNewSentencePiece(b *testing.B) {
	data := readDebertaSPM(b)
	b.Run("Convert", func(b *testing.B) {
		for b.Loop() {
			if _, err := ConvertSentencePiece(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ConvertAndLoad", func(b *testing.B) {
		for b.Loop() {
			if _, err := NewSentencePiece(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
