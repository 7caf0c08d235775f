package gliner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gliner-go/gliner/tokenize"
)

// Config holds the fields of a model folder's gliner_config.json that
// matter at inference. Absent fields take the reference's defaults (gliner
// 0.2.27, gliner/config.py).
type Config struct {
	// ModelName is the Hugging Face id of the text encoder.
	ModelName string `json:"model_name"`
	// LabelsEncoder is the Hugging Face id of the label encoder; set for
	// bi-encoder models.
	LabelsEncoder string `json:"labels_encoder"`
	// LabelsDecoder is set for generative-label models (unsupported).
	LabelsDecoder string `json:"labels_decoder"`
	// RelationsLayer is set for relation-extraction models (unsupported).
	RelationsLayer json.RawMessage `json:"relations_layer"`
	// SpanMode is "token_level" for token models, otherwise the span
	// representation baked into the graph (markerV0, ...).
	SpanMode string `json:"span_mode"`
	// MaxWidth is the largest span width in words (K); it must match the graph.
	MaxWidth int `json:"max_width"`
	// MaxLen is the largest number of words per text; longer texts are
	// truncated or refused, see [WithLongTexts].
	MaxLen int `json:"max_len"`
	// MaxTypes is the most labels of one prompt in training; under
	// ChunkLongTexts more labels are split into groups of at most MaxTypes
	// (see [Model.ExtractResults]). 0 means no limit.
	MaxTypes int `json:"max_types"`
	// HiddenSize is the width of the GLiNER head.
	HiddenSize int `json:"hidden_size"`
	// EntToken and SepToken are the prompt tokens.
	EntToken string `json:"ent_token"`
	SepToken string `json:"sep_token"`
	// ClassTokenIndex is the id of EntToken baked into the graph.
	ClassTokenIndex int `json:"class_token_index"`
	// EmbedEntToken selects where label embeddings are read (inside the graph).
	EmbedEntToken bool `json:"embed_ent_token"`
	// VocabSize is the encoder's resized vocabulary size.
	VocabSize int `json:"vocab_size"`
	// WordsSplitterType selects the word splitter (see tokenize.Splitter);
	// only "whitespace" (the reference regex) is supported.
	WordsSplitterType string `json:"words_splitter_type"`
	// NumRNNLayers is the number of BiLSTM layers (inside the graph).
	NumRNNLayers int `json:"num_rnn_layers"`
	// FuseLayers, PostFusionSchema and NumPostFusionLayers describe layers
	// inside the graph.
	FuseLayers          bool   `json:"fuse_layers"`
	PostFusionSchema    string `json:"post_fusion_schema"`
	NumPostFusionLayers int    `json:"num_post_fusion_layers"`
	// SubtokenPooling must be "first", the only mode of the reference.
	SubtokenPooling string `json:"subtoken_pooling"`
	// PrecomputedPromptsMode marks compressed-prompt models (unsupported).
	PrecomputedPromptsMode bool `json:"precomputed_prompts_mode"`
	// ModelType is informational; the kind is resolved from the fields above.
	ModelType string `json:"model_type"`
}

// Kind is the kind of a model, resolved from its folder.
type Kind int

// The model kinds.
const (
	// KindSpan is a uni-encoder span-level GLiNER model.
	KindSpan Kind = iota
	// KindToken is a uni-encoder token-level GLiNER model.
	KindToken
	// KindBiSpan is a bi-encoder span-level GLiNER model.
	KindBiSpan
	// KindBiToken is a bi-encoder token-level GLiNER model.
	KindBiToken
	// KindBIO is a fixed-schema token-classification model (B-/I-/O tags).
	KindBIO
)

var kindNames = [...]string{"span", "token", "bi-encoder span", "bi-encoder token", "bio"}

// String returns the kind's name.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// defaultConfig returns the reference defaults.
func defaultConfig() Config {
	return Config{
		ModelName:           "microsoft/deberta-v3-small",
		SpanMode:            "markerV0",
		MaxWidth:            12,
		MaxLen:              384,
		MaxTypes:            25,
		HiddenSize:          512,
		EntToken:            "<<ENT>>",
		SepToken:            "<<SEP>>",
		ClassTokenIndex:     -1,
		EmbedEntToken:       true,
		VocabSize:           -1,
		WordsSplitterType:   "whitespace",
		NumRNNLayers:        1,
		NumPostFusionLayers: 1,
		SubtokenPooling:     "first",
	}
}

// ParseConfig reads a gliner_config.json. Absent fields take the reference
// defaults; null fields too. It rejects what this library cannot run with a
// *ConfigError wrapping [ErrUnsupported] or [ErrBadConfig], and so are a
// reader of more than [MaxConfigBytes], an unknown span_mode and a
// max_width or hidden_size beyond [MaxSpanWidth] or [MaxHiddenSize].
func ParseConfig(r io.Reader) (Config, error) {
	cfg := defaultConfig()
	data, err := readConfigBytes(r, "")
	var ce *ConfigError
	if errors.As(err, &ce) {
		return Config{}, ce
	}
	if err != nil {
		return Config{}, &ConfigError{Err: fmt.Errorf("%w: %v", ErrBadConfig, err)}
	}
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&raw); err != nil {
		return Config{}, &ConfigError{Err: fmt.Errorf("%w: %v", ErrBadConfig, err)}
	}
	if raw == nil {
		return Config{}, &ConfigError{Err: fmt.Errorf("%w: null, not a JSON object", ErrBadConfig)}
	}
	// Drop nulls so that they keep the defaults, as the reference does.
	for k, v := range raw {
		if string(v) == "null" {
			delete(raw, k)
		}
	}
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &cfg); err != nil {
		return Config{}, &ConfigError{Err: fmt.Errorf("%w: %v", ErrBadConfig, err)}
	}
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Kind resolves the model kind the way the reference's
// GLiNER._get_gliner_class does.
func (c *Config) Kind() Kind {
	bi := c.LabelsEncoder != ""
	token := c.tokenLevel()
	switch {
	case bi && token:
		return KindBiToken
	case bi:
		return KindBiSpan
	case token:
		return KindToken
	}
	return KindSpan
}

// tokenLevel reports whether the model scores tokens, not span candidates.
func (c *Config) tokenLevel() bool { return c.SpanMode == "token_level" }

func (c *Config) validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrBadConfig}, args...)...)}
	}
	unsupported := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)}
	}
	switch {
	case len(c.RelationsLayer) > 0:
		return unsupported("relations_layer", "relation-extraction models are not supported")
	case c.LabelsDecoder != "":
		return unsupported("labels_decoder", "generative-label (decoder) models are not supported")
	case c.PrecomputedPromptsMode:
		return unsupported("precomputed_prompts_mode", "compressed-prompt models are not supported")
	case c.SubtokenPooling != "first":
		return unsupported("subtoken_pooling", "sub-token pooling %q is not supported (only \"first\")", c.SubtokenPooling)
	case c.MaxWidth < 1 || c.MaxWidth > MaxSpanWidth:
		return bad("max_width", "must be in [1, %d], got %d", MaxSpanWidth, c.MaxWidth)
	case c.HiddenSize < 1 || c.HiddenSize > MaxHiddenSize:
		return bad("hidden_size", "must be in [1, %d], got %d", MaxHiddenSize, c.HiddenSize)
	case c.MaxLen < 1:
		return bad("max_len", "must be at least 1, got %d", c.MaxLen)
	case c.EntToken == "" || c.SepToken == "":
		return bad("ent_token", "prompt tokens must not be empty")
	case !slices.Contains(spanModes, c.SpanMode):
		return bad("span_mode", "unknown span mode %q (known: %s)", c.SpanMode, strings.Join(spanModes, ", "))
	}
	_, err := splitterOf(*c)
	return err
}

// Bounds of gliner_config.json fields that size the buffers of a call, far
// above real models (max_width 12, hidden_size 512 to 1024), so that a
// hostile config cannot make Open or Extract allocate without bound.
const (
	// MaxSpanWidth bounds max_width.
	MaxSpanWidth = 1024
	// MaxHiddenSize bounds hidden_size.
	MaxHiddenSize = 1 << 16
)

// spanModes are the span_mode values of the reference (gliner 0.2.27,
// SpanRepLayer); it fails to build a model with any other.
var spanModes = []string{
	"markerV0", "marker", "markerV1", "query", "mlp", "cat",
	"conv_conv", "conv_max", "conv_mean", "conv_sum", "conv_share", "token_level",
}

// splitterOf returns the word splitter a config names, or the *ConfigError
// of an unsupported one.
func splitterOf(cfg Config) (tokenize.SplitFunc, error) {
	split, err := tokenize.Splitter(cfg.WordsSplitterType)
	if err != nil {
		return nil, &ConfigError{Field: "words_splitter_type", Err: fmt.Errorf("%w: %w", ErrUnsupported, err)}
	}
	return split, nil
}
