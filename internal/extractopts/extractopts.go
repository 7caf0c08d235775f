// Package extractopts turns the extraction settings that `gliner extract`,
// `gliner eval` and the Beam pipeline share into the library's per-call
// options, so that the three run the library alike.
package extractopts

import "github.com/gliner-go/gliner/gliner"

// Settings are the per-call extraction settings of a run.
type Settings struct {
	Threshold       float64            // the score a span must exceed
	LabelThresholds map[string]float64 // per-label thresholds, overriding Threshold
	Nested          bool               // allow nested entities
	MultiLabel      bool               // allow several labels on one span
	LongTexts       gliner.LongTextPolicy
}

// Options returns the settings as options of [gliner.Model.Extract] and its
// relatives.
func (s Settings) Options() []gliner.ExtractOption {
	opts := []gliner.ExtractOption{gliner.WithThreshold(s.Threshold), gliner.WithLongTextPolicy(s.LongTexts)}
	if s.Nested {
		opts = append(opts, gliner.WithNested())
	}
	if s.MultiLabel {
		opts = append(opts, gliner.WithMultiLabel())
	}
	for l, t := range s.LabelThresholds {
		opts = append(opts, gliner.WithLabelThreshold(l, t))
	}
	return opts
}
