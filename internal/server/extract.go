package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/offsets"
)

// ExtractRequest is the body of POST /v1/extract. Exactly one of Text and
// Texts is set.
type ExtractRequest struct {
	Text            *string            `json:"text,omitempty"`
	Texts           []string           `json:"texts,omitempty"`
	Labels          []string           `json:"labels"`
	Threshold       *float64           `json:"threshold,omitempty"`
	Nested          bool               `json:"nested,omitempty"`
	MultiLabel      bool               `json:"multi_label,omitempty"`
	LabelThresholds map[string]float64 `json:"label_thresholds,omitempty"`
	// Offsets is the unit of the answer's offsets: "runes" (code points,
	// the default), "bytes" or "utf16", as the CLI's --offsets.
	Offsets string `json:"offsets,omitempty"`
	// LongTexts is the policy for texts longer than one model call takes:
	// "chunk", "truncate" or "error" (see [ParseLongTexts]); "" is the
	// server's ([Config.LongTexts]).
	LongTexts string `json:"long_texts,omitempty"`
}

// ExtractResponse is the answer to a request with "text". Offsets are in
// the request's unit.
type ExtractResponse struct {
	Entities []offsets.Entity `json:"entities"`
	Meta
}

// Meta says how a text was run: the fields of [gliner.Result] under the
// same JSON keys, each left out when zero (a blank text has none). The
// server adds them when its extractor is a [ResultExtractor].
type Meta struct {
	Windows      int  `json:"windows,omitempty"`
	LabelGroups  int  `json:"label_groups,omitempty"`
	Chunked      bool `json:"chunked,omitempty"`
	Truncated    bool `json:"truncated,omitempty"`
	DroppedWords int  `json:"dropped_words,omitempty"`
	CutWords     int  `json:"cut_words,omitempty"`
}

// MetaOf returns the metadata of a result.
func MetaOf(r gliner.Result) Meta {
	return Meta{Windows: r.Windows, LabelGroups: r.LabelGroups, Chunked: r.Chunked, Truncated: r.Truncated,
		DroppedWords: r.DroppedWords, CutWords: r.CutWords}
}

// BatchResponse is the answer to a request with "texts": one result per
// text, in order.
type BatchResponse struct {
	Results []ExtractResponse `json:"results"`
}

func (s *Server) handleExtract(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	body, code, err := readBody(w, r, s.cfg.MaxBody)
	if err != nil {
		writeError(w, code, err.Error())
		return
	}
	req, texts, unit, err := s.parse(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	select {
	case s.slots <- struct{}{}:
	default:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("all %d extraction slots are busy; retry later", cap(s.slots)))
		return
	}
	res, err := s.run(r.Context(), req, texts)
	<-s.slots
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.metrics.texts.Add(int64(len(texts)))
	out := BatchResponse{Results: make([]ExtractResponse, len(res))}
	for i, r := range res {
		out.Results[i] = ExtractResponse{Entities: offsets.Convert(texts[i], r.Entities, unit), Meta: MetaOf(r)}
	}
	if req.Text != nil {
		writeJSON(w, http.StatusOK, out.Results[0])
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// ResultExtractor is an [Extractor] that also reports how each text was
// run ([gliner.Model] is one); the server then adds [Meta] to its answers.
type ResultExtractor interface {
	Extractor
	ExtractResults(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([]gliner.Result, error)
}

// extract runs the extractor, with metadata if it gives any.
func (s *Server) extract(ctx context.Context, texts, labels []string, opts []gliner.ExtractOption) ([]gliner.Result, error) {
	if rx, ok := s.ex.(ResultExtractor); ok {
		return rx.ExtractResults(ctx, texts, labels, opts...)
	}
	ents, err := s.ex.ExtractBatch(ctx, texts, labels, opts...)
	res := make([]gliner.Result, len(ents))
	for i, e := range ents {
		res[i].Entities = e
	}
	return res, err
}

func (s *Server) run(ctx context.Context, req *ExtractRequest, texts []string) ([]gliner.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	ents, err := s.extract(ctx, texts, req.Labels, s.options(req))
	if err == nil && len(ents) != len(texts) {
		err = fmt.Errorf("server: extractor returned %d results for %d texts", len(ents), len(texts))
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err() // the deadline passed while the extractor finished anyway
	}
	return ents, err
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		s.cfg.Logger.Info("client disconnected", "err", err)
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, fmt.Sprintf("extraction took longer than %s", s.cfg.Timeout))
	case badInput(err):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		s.cfg.Logger.Error("extraction failed", "err", err)
		writeError(w, http.StatusInternalServerError, "extraction failed: "+err.Error())
	}
}

// badInput reports whether the extractor rejected the request's input: a
// label the model cannot take, a text it refuses, an option it rejects.
// The answer is 400 with the library's message.
func badInput(err error) bool {
	return errors.Is(err, gliner.ErrLabel) || errors.Is(err, gliner.ErrTextTooLong) || errors.Is(err, gliner.ErrBadOption)
}

// options are the extraction options of a request (already validated).
func (s *Server) options(req *ExtractRequest) []gliner.ExtractOption {
	policy, _ := ParseLongTexts(req.LongTexts)
	if req.LongTexts == "" {
		policy = s.cfg.LongTexts
	}
	opts := []gliner.ExtractOption{gliner.WithLongTextPolicy(policy)}
	if req.Threshold != nil {
		opts = append(opts, gliner.WithThreshold(*req.Threshold))
	}
	for l, t := range req.LabelThresholds {
		opts = append(opts, gliner.WithLabelThreshold(l, t))
	}
	if req.Nested {
		opts = append(opts, gliner.WithNested())
	}
	if req.MultiLabel {
		opts = append(opts, gliner.WithMultiLabel())
	}
	return opts
}

// parse decodes and validates a request body.
func (s *Server) parse(body []byte) (*ExtractRequest, []string, offsets.Unit, error) {
	var req ExtractRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, nil, 0, fmt.Errorf("malformed JSON body: %v", err)
	}
	if dec.More() {
		return nil, nil, 0, errors.New("malformed JSON body: more than one value")
	}
	texts, err := req.texts()
	if err == nil {
		err = s.validate(&req, texts)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	unit, err := offsets.Parse(req.Offsets)
	if err != nil {
		return nil, nil, 0, fmt.Errorf(`"offsets" must be runes, bytes or utf16, not %q`, req.Offsets)
	}
	return &req, texts, unit, nil
}

// texts returns the request's texts: its one "text" or its "texts".
func (req *ExtractRequest) texts() ([]string, error) {
	switch {
	case req.Text != nil && req.Texts != nil:
		return nil, errors.New(`give "text" or "texts", not both`)
	case req.Text != nil:
		return []string{*req.Text}, nil
	case req.Texts != nil:
		return req.Texts, nil
	}
	return nil, errors.New(`missing "text" or "texts"`)
}

func (s *Server) validate(req *ExtractRequest, texts []string) error {
	if len(texts) > s.cfg.MaxTexts {
		return fmt.Errorf("%d texts exceed the limit of %d", len(texts), s.cfg.MaxTexts)
	}
	if len(req.Labels) == 0 {
		return errors.New(`"labels" must list at least one label`)
	}
	// Repeated labels are passed on: the model drops repeats, keeping the
	// first, as it does for the library and the CLI.
	seen := map[string]bool{}
	for _, l := range req.Labels {
		if l == "" {
			return errors.New(`"labels" has an empty label`)
		}
		seen[l] = true
	}
	if len(seen) > s.cfg.MaxLabels {
		return fmt.Errorf("%d labels exceed the limit of %d", len(seen), s.cfg.MaxLabels)
	}
	if req.Threshold != nil {
		if err := CheckThresholds(*req.Threshold, nil, nil); err != nil {
			return fmt.Errorf("threshold: %w", err)
		}
	}
	if err := CheckThresholds(0.5, req.LabelThresholds, req.Labels); err != nil {
		return fmt.Errorf("label_thresholds: %w", err)
	}
	if _, err := ParseLongTexts(req.LongTexts); err != nil {
		return fmt.Errorf("long_texts: %w", err)
	}
	return nil
}
