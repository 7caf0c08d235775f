// Package flagval parses the values of the command-line flags that the
// gliner CLI and the Beam pipeline share, so that both read them alike.
package flagval

import (
	"fmt"
	"strconv"
	"strings"
)

// List splits a comma-separated flag value, trimming spaces and dropping
// empty items.
func List(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// LabelThresholds reads a --label-threshold value: comma-separated
// "label=value" pairs (the last "=" separates, so a label may hold one).
// The values are not range-checked here: the library checks them with the
// labels of the call.
func LabelThresholds(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, kv := range List(s) {
		i := strings.LastIndexByte(kv, '=')
		if i < 0 {
			return nil, fmt.Errorf("--label-threshold: %q is not label=value", kv)
		}
		t, err := strconv.ParseFloat(strings.TrimSpace(kv[i+1:]), 64)
		if err != nil {
			return nil, fmt.Errorf("--label-threshold: %q: %v", kv, err)
		}
		out[strings.TrimSpace(kv[:i])] = t
	}
	return out, nil
}
