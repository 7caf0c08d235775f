package gliner

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// ErrBadOption reports an option of a call with a value it cannot take: a
// threshold outside [0, 1] or NaN, a per-label threshold for a label not in
// the call, an unknown long-text policy.
var ErrBadOption = errors.New("gliner: bad option")

// OptionError is an option of a call with a bad value.
type OptionError struct {
	Option string  // "threshold", "label threshold", "long texts"
	Label  string  // the label of a per-label threshold
	Value  float64 // the bad value
	Reason string
}

// Error implements error.
func (e *OptionError) Error() string {
	if e.Label != "" {
		return fmt.Sprintf("%v: %s %v for %q: %s", ErrBadOption, e.Option, e.Value, e.Label, e.Reason)
	}
	return fmt.Sprintf("%v: %s %v: %s", ErrBadOption, e.Option, e.Value, e.Reason)
}

// Unwrap returns ErrBadOption.
func (e *OptionError) Unwrap() error { return ErrBadOption }

// validate checks the options of a call with the given (checked) labels.
func (c extractConfig) validate(labels []string, policy LongTextPolicy) error {
	if policy < ChunkLongTexts || policy > RefuseLongTexts {
		return &OptionError{Option: "long texts", Value: float64(policy), Reason: "unknown policy"}
	}
	if !validThreshold(c.threshold) {
		return &OptionError{Option: "threshold", Value: c.threshold, Reason: "want a number in [0, 1]"}
	}
	names := make([]string, 0, len(c.perLabel))
	for l := range c.perLabel {
		names = append(names, l)
	}
	sort.Strings(names) // the same error for the same options
	for _, l := range names {
		t := c.perLabel[l]
		switch {
		case !slices.Contains(labels, l):
			return &OptionError{Option: "label threshold", Label: l, Value: t, Reason: "the label is not one of the call's labels"}
		case !validThreshold(t):
			return &OptionError{Option: "label threshold", Label: l, Value: t, Reason: "want a number in [0, 1]"}
		}
	}
	return nil
}

func validThreshold(t float64) bool { return t >= 0 && t <= 1 && !math.IsNaN(t) }
