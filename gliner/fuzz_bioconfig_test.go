package gliner

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzReadBIOConfig feeds arbitrary bytes as a token classifier's
// config.json, seeded with the bio-bert fixture's: readBIOConfig returns the
// tags or a *ConfigError wrapping ErrBadConfig, never panics; accepted tags
// are exactly id2label's values in id order, each id 0..n-1 given once.
func FuzzReadBIOConfig(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "models", "bio-bert", "config.json")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{`{"id2label": {"0": "O", "1": "B-X", "2": "I-X"}}`, `{"id2label": {"1": "O"}}`,
		`{"id2label": {"0": "O", "00": "B-X"}}`, `{"id2label": {"0": "O", "+1": "B-X"}}`, `{"id2label": {"-0": "O"}}`,
		`{"id2label": []}`, `{"id2label": null}`, `{"id2label": {"0": 5}}`, `{"id2label": {"0": ""}}`, `{}`, `[`,
		`{"id2label": {"0": "O"}, "max_position_embeddings": "x"}`} {
		f.Add([]byte(s))
	}
	dir := f.TempDir() // one per process; inputs run one at a time
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, bioConfigFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, tags, err := readBIOConfig(dir)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrBadConfig) {
				t.Fatalf("error %v (%T) is not a *ConfigError wrapping ErrBadConfig", err, err)
			}
			return
		}
		checkTags(t, data, tags)
	})
}

// checkTags checks tags against config.json's id2label read independently.
func checkTags(t *testing.T, data []byte, tags []string) {
	t.Helper()
	var c struct {
		ID2Label map[string]string `json:"id2label"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("accepted a config without an id2label object: %v", err)
	}
	if len(tags) == 0 || len(tags) != len(c.ID2Label) {
		t.Fatalf("%d tags from %d id2label entries", len(tags), len(c.ID2Label))
	}
	given := make([]bool, len(tags))
	for k, v := range c.ID2Label {
		id, err := strconv.Atoi(k)
		if err != nil || id < 0 || id >= len(tags) || given[id] || tags[id] != v {
			t.Fatalf("id2label %v read as tags %q", c.ID2Label, tags)
		}
		given[id] = true
	}
}
