package server

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/gliner-go/gliner/gliner"
)

// CheckThresholds returns the error the library gives a call with these
// thresholds and labels (an *[gliner.OptionError] wrapping
// [gliner.ErrBadOption]), or nil, without a model: a threshold NaN or
// outside [0, 1], or a per-label threshold of a label not in labels or
// NaN or outside [0, 1]. The CLI and the server check requests with it
// before they reach the model; the messages are the library's.
func CheckThresholds(threshold float64, perLabel map[string]float64, labels []string) error {
	if !validThreshold(threshold) {
		return &gliner.OptionError{Option: "threshold", Value: threshold, Reason: "want a number in [0, 1]"}
	}
	names := make([]string, 0, len(perLabel))
	for l := range perLabel {
		names = append(names, l)
	}
	sort.Strings(names)
	for _, l := range names {
		t := perLabel[l]
		switch {
		case !slices.Contains(labels, l):
			return &gliner.OptionError{Option: "label threshold", Label: l, Value: t, Reason: "the label is not one of the call's labels"}
		case !validThreshold(t):
			return &gliner.OptionError{Option: "label threshold", Label: l, Value: t, Reason: "want a number in [0, 1]"}
		}
	}
	return nil
}

func validThreshold(t float64) bool { return !math.IsNaN(t) && t >= 0 && t <= 1 }

// longTextNames are the names of the long-text policies in the CLI's
// --long-texts and the server's "long_texts".
var longTextNames = map[string]gliner.LongTextPolicy{
	"chunk":    gliner.ChunkLongTexts,
	"truncate": gliner.TruncateLongTexts,
	"error":    gliner.RefuseLongTexts,
}

// ParseLongTexts returns the policy named s: "chunk" (the default, also
// for ""), "truncate" or "error".
func ParseLongTexts(s string) (gliner.LongTextPolicy, error) {
	if s == "" {
		return gliner.ChunkLongTexts, nil
	}
	p, ok := longTextNames[s]
	if !ok {
		return 0, fmt.Errorf("long texts must be chunk, truncate or error, not %q", s)
	}
	return p, nil
}
