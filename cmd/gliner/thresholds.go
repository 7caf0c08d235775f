package main

import (
	"fmt"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/server"
)

// checkThresholds checks --threshold and --label-threshold against the
// labels of the run as the library does, with its messages: a usage error
// before the model runs rather than a failed call.
func checkThresholds(threshold float64, perLabel map[string]float64, labels []string) error {
	if err := server.CheckThresholds(threshold, perLabel, labels); err != nil {
		return fmt.Errorf("%s", errorText(err))
	}
	return nil
}

// longTextsUsage documents --long-texts in extract, eval and serve.
const longTextsUsage = "texts longer than one model call takes: chunk (overlapping windows, entities merged), truncate (the reference: the tail is not read) or error"

// parseLongTexts returns the policy named by --long-texts.
func parseLongTexts(s string) (gliner.LongTextPolicy, error) {
	p, err := server.ParseLongTexts(s)
	if err != nil {
		return 0, fmt.Errorf("--long-texts: %v", err)
	}
	return p, nil
}
