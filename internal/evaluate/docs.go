package evaluate

import (
	"fmt"
	"hash/fnv"
)

// DocCounts are the tallies of one document by label, the unit that a
// bootstrap resamples ([BootstrapScores], [PairedBootstrap]).
type DocCounts struct {
	// ID identifies the document's text: the 16 hex digits of its 64-bit
	// FNV-1a hash. Two runs are over the same documents when their ID lists
	// are equal.
	ID string `json:"id"`
	// Types maps each label with a gold span or a prediction in the document
	// to its counts [gold, predicted, matched] (matching is one-to-one, so
	// matched gold spans and matched predictions are equal in number).
	Types map[string][3]int `json:"types,omitempty"`
}

// TextID is the [DocCounts.ID] of a text.
func TextID(text string) string {
	h := fnv.New64a()
	h.Write([]byte(text))
	return fmt.Sprintf("%016x", h.Sum64())
}

// docCounts tallies one matched document by label.
func docCounts(text string, m docMatch) DocCounts {
	d := DocCounts{ID: TextID(text)}
	bump := func(label string, k int, hit bool) {
		if d.Types == nil {
			d.Types = map[string][3]int{}
		}
		c := d.Types[label]
		c[k]++
		if hit && k == 0 {
			c[2]++
		}
		d.Types[label] = c
	}
	for i, g := range m.gold {
		bump(g.Label, 0, m.goldHit[i])
	}
	for _, p := range m.pred {
		bump(p.Label, 1, false)
	}
	return d
}

// sameDocuments reports the first index at which two document lists
// differ, or -1 when they are equal.
func sameDocuments(a, b []DocCounts) int {
	for i := range min(len(a), len(b)) {
		if a[i].ID != b[i].ID {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
