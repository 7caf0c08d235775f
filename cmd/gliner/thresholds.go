package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// checkThreshold rejects a threshold that is NaN or outside [0, 1].
func checkThreshold(name string, t float64) error {
	if math.IsNaN(t) || t < 0 || t > 1 {
		return fmt.Errorf("%s %v is outside [0, 1]", name, t)
	}
	return nil
}

// parseLabelThresholds reads --label-threshold: "label=value" pairs,
// comma-separated, each value in [0, 1].
func parseLabelThresholds(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, kv := range splitList(s) {
		i := strings.LastIndexByte(kv, '=')
		if i < 0 {
			return nil, fmt.Errorf("--label-threshold: %q is not label=value", kv)
		}
		label := strings.TrimSpace(kv[:i])
		t, err := strconv.ParseFloat(strings.TrimSpace(kv[i+1:]), 64)
		if err != nil {
			return nil, fmt.Errorf("--label-threshold: %q: %v", kv, err)
		}
		if err := checkThreshold("--label-threshold "+label, t); err != nil {
			return nil, err
		}
		out[label] = t
	}
	return out, nil
}

// checkLabelThresholds rejects per-label thresholds of labels that are not
// among the labels of the run.
func checkLabelThresholds(perLabel map[string]float64, labels []string) error {
	for l := range perLabel {
		if !slices.Contains(labels, l) {
			return fmt.Errorf("--label-threshold: %q is not one of the labels (%s)", l, strings.Join(labels, ", "))
		}
	}
	return nil
}
