package gliner

import (
	"cmp"
	"slices"
)

// byLength orders the items of a call so that each batch holds texts of
// similar length: on CPU a padded batch costs as much as its longest text
// times its size, so batches of mixed lengths waste most of their work on
// padding. Results are written by text index, so the order of the
// results does not change. Items of families that cut texts into windows
// keep their order (a text's windows must run in order). The sort is
// stable and by byte length, a cheap stand-in for the word count.
func byLength(items []item, texts []string) []item {
	for _, it := range items {
		if it.window != 0 || !it.last || it.merge {
			return items
		}
	}
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b item) int { return cmp.Compare(len(texts[a.text]), len(texts[b.text])) })
	return sorted
}
