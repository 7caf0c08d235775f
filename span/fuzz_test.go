package span

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// fuzzReader hands out small integers and float32s from fuzz input bytes,
// zero when exhausted.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) intn(n int) int {
	if len(r.b) == 0 || n <= 0 {
		return 0
	}
	v := int(r.b[0]) % n
	r.b = r.b[1:]
	return v
}

func (r *fuzzReader) float() float32 {
	if len(r.b) < 4 {
		return -5
	}
	v := math.Float32frombits(binary.LittleEndian.Uint32(r.b))
	r.b = r.b[4:]
	return v
}

// logits reads n logits; a control byte picks a raw float32 (any value,
// NaN and infinities included) or one of a few values that tie.
func (r *fuzzReader) logits(n int) []float32 {
	l := make([]float32, n)
	for i := range l {
		if r.intn(4) == 0 {
			l[i] = r.float()
		} else {
			l[i] = float32(r.intn(9)-5) * 0.5
		}
	}
	return l
}

func (r *fuzzReader) options(classes int) Options {
	th := make([]float64, 1+r.intn(classes))
	for i := range th {
		th[i] = float64(r.intn(11)) / 10
	}
	return Options{Thresholds: th, Nested: r.intn(2) == 1, MultiLabel: r.intn(2) == 1}
}

func FuzzDecodeSpans(f *testing.F) {
	f.Add([]byte{3, 2, 1, 2, 0, 5, 1, 1})
	f.Add([]byte{11, 4, 3, 7, 2, 5, 5, 0, 0, 9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8})
	f.Add(slices.Repeat([]byte{1, 8, 0, 0, 0xc0, 0x7f}, 30))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{data}
		w, k, c := 1+r.intn(16), 1+r.intn(6), 1+r.intn(4)
		n := r.intn(w + 1)
		opts := r.options(c)
		logits := r.logits(w * k * c)
		var d Decoder
		got := d.DecodeSpans(nil, logits, n, k, c, opts)
		checkInvariants(t, got, n, k, c, opts)
		if want := naiveDecodeSpans(logits, n, k, c, opts); !slices.Equal(got, want) {
			t.Fatalf("fast %v, naive %v", got, want)
		}
	})
}

func FuzzDecodeTokens(f *testing.F) {
	f.Add([]byte{3, 1, 2, 0, 5, 1, 1})
	f.Add(slices.Repeat([]byte{7, 8, 1, 0, 0x80, 0x7f}, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{data}
		batch, w, c := 1+r.intn(3), 1+r.intn(12), 1+r.intn(3)
		lengths := make([]int, batch)
		for i := range lengths {
			lengths[i] = r.intn(w + 1)
		}
		opts := r.options(c)
		last := r.logits(batch * w * c * 3)
		var d Decoder
		got := d.DecodeTokensBatch(nil, last, LayoutPositionLast, lengths, c, opts)
		first := d.DecodeTokensBatch(nil, toPositionFirst(last, batch, c), LayoutPositionFirst, lengths, c, opts)
		for b, n := range lengths {
			checkInvariants(t, got[b], n, 0, c, opts)
			if !slices.Equal(got[b], first[b]) {
				t.Fatalf("layouts differ: %v vs %v", got[b], first[b])
			}
			if want := naiveDecodeTokens(last, batch, b, n, c, opts); !slices.Equal(got[b], want) {
				t.Fatalf("fast %v, naive %v", got[b], want)
			}
		}
	})
}

func FuzzBIO(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(slices.Repeat([]byte{2, 1, 0, 3, 0xff, 0x7f}, 25))
	names := []string{"O", "B-DIS", "I-DIS", "E-DIS", "S-DIS", "CHEM", "A-B"}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{data}
		scheme := TagScheme(r.intn(2))
		tags, err := NewTagSet(names, scheme)
		if err != nil {
			t.Fatal(err)
		}
		agg := Aggregation(r.intn(5))
		nw := 1 + r.intn(3)
		var windows []Window
		word, pos := 0, 0
		for wi := range nw {
			var w Window
			w.FirstToken = wi * 10
			for range r.intn(12) {
				id := -1
				if r.intn(5) != 0 {
					word += r.intn(3)
					id = word
				}
				l := r.intn(4)
				w.WordIDs = append(w.WordIDs, id)
				w.Offsets = append(w.Offsets, Offset{pos, pos + l})
				pos += l - r.intn(3) // windows may overlap and go back
				w.Logits = append(w.Logits, r.logits(len(names))...)
			}
			windows = append(windows, w)
		}
		var d BIODecoder
		got, err := d.Decode(nil, tags, windows, BIOOptions{Aggregation: agg})
		if agg == AggregateNone && nw > 1 {
			if err == nil {
				t.Fatal("none over several windows: no error")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkBIOEntities(t, got, tags, windows)
		if scheme == SchemeIOB && !hasNaN(windows) {
			if naive := naiveBIO(names, windows, agg, nil); !sameEntities(tags, got, naive) {
				t.Fatalf("got %+v\nnaive %+v", got, naive)
			}
		}
	})
}

func hasNaN(ws []Window) bool {
	for _, w := range ws {
		for _, x := range w.Logits {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) || math.Abs(float64(x)) > 1e30 {
				return true
			}
		}
	}
	return false
}

// checkBIOEntities checks what holds of every decoded entity: type and tag
// in range, words and tokens in order, a score in [0, 1], a text range
// within the members' offsets.
func checkBIOEntities(t *testing.T, got []BIOEntity, tags *TagSet, windows []Window) {
	t.Helper()
	lo, hi := math.MaxInt, math.MinInt
	for _, w := range windows {
		for _, o := range w.Offsets {
			lo, hi = min(lo, o.Start), max(hi, o.End)
		}
	}
	for _, e := range got {
		if e.Type < 0 || e.Type >= tags.NumTypes() || e.Tag < 0 || e.Tag >= tags.Len() ||
			e.FirstWord > e.LastWord || e.FirstToken > e.LastToken || e.FirstWord < 0 {
			t.Fatalf("bad entity %+v", e)
		}
		if !(e.Score >= 0 && e.Score <= 1) {
			t.Fatalf("entity %+v: score outside [0, 1]", e)
		}
		if e.Start < lo || e.End > hi {
			t.Fatalf("entity %+v: text range outside the tokens' [%d, %d)", e, lo, hi)
		}
	}
}
