package main

import (
	"io"
	"testing"
)

// rssRun is a soak's samples with the given RSS (MiB) at its checkpoints,
// steady goroutines and descriptors.
func rssRun(mib ...int64) []sample {
	out := []sample{{goroutines: 2, fds: 10}}
	for i, m := range mib {
		out = append(out, sample{done: (i + 1) * 1000, rssKiB: m * 1024, goroutines: 20, fds: 14})
	}
	return append(out, sample{done: len(mib) * 1000, rssKiB: mib[len(mib)-1] * 1024, goroutines: 2, fds: 10})
}

func TestCheckBounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		mib  []int64
		ok   bool
	}{
		{"flat", []int64{280, 281, 280, 282, 281, 280}, true},
		{"one step in the first half, then flat", []int64{274, 281, 337, 340, 342, 338}, true},
		{"steady growth (a leak)", []int64{280, 310, 340, 370, 400, 430}, false},
		{"a step in the second half", []int64{280, 281, 280, 282, 360, 361}, false},
	} {
		err := checkBounds(rssRun(tc.mib...), 2, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("%s: error %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
