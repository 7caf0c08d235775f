package gliner

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gliner-go/gliner/tokenize"
)

// FuzzParseConfig feeds arbitrary bytes to ParseConfig, seeded with the
// gliner_config.json of every fixture model and the built-in model: it
// returns a config or a *ConfigError wrapping ErrBadConfig or
// ErrUnsupported, never panics; an accepted config is one the library can
// run (the validated fields hold) and survives a JSON round trip unchanged.
func FuzzParseConfig(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "models", "*", "gliner_config.json"))
	paths = append(paths, filepath.Join("..", "internal", "builtin", "model", "gliner_config.json"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{`{}`, `null`, `[]`, `{"max_width": 0}`, `{"max_len": null, "span_mode": "token_level"}`,
		`{"relations_layer": {}}`, `{"labels_encoder": "x", "span_mode": "token_level"}`, `{"ent_token": ""}`,
		`{"max_width": 1e99}`, `{"words_splitter_type": "spacy"}`, `{"words_splitter_type": ""}`, `{"a": 1} {"b": 2}`, `{"model_name": "\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(bytes.NewReader(data))
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || !(errors.Is(err, ErrBadConfig) || errors.Is(err, ErrUnsupported)) {
				t.Fatalf("error %v (%T) is not a *ConfigError wrapping ErrBadConfig or ErrUnsupported", err, err)
			}
			return
		}
		if _, err := tokenize.Splitter(cfg.WordsSplitterType); err != nil || cfg.MaxWidth < 1 || cfg.MaxLen < 1 ||
			cfg.EntToken == "" || cfg.SepToken == "" || cfg.SubtokenPooling != "first" {
			t.Fatalf("accepted config %+v", cfg)
		}
		if k := cfg.Kind(); k < KindSpan || k > KindBiToken {
			t.Fatalf("kind %v", k)
		}
		b, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseConfig(bytes.NewReader(b))
		if err != nil || !reflect.DeepEqual(again, cfg) {
			t.Fatalf("round trip of %s: %+v, %v", b, again, err)
		}
	})
}
