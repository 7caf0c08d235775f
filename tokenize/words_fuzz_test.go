package tokenize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// FuzzSplitWords checks the SplitFunc contract (offsets in bounds, increasing,
// non-overlapping, code-point offsets consistent with byte offsets, words
// non-empty, only whitespace skipped) and agreement with the reference regexp,
// on arbitrary bytes including invalid UTF-8.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{
		"", " ", "e-mail co-op_x", "3.14 U.S.A.", "don't", "nai\u0308ve", "हिन्दी",
		"a\u200bb\ufeffc\u00adD", "x\x1c\x1d\u0085\u2028y", "\xff\xfe", "a-\xe2\x82", "👍🏽-x_",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "--__--", "a_-b",
	} {
		f.Add(s)
	}
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		ws := SplitWords(nil, text)
		checkWordInvariants(t, text, ws)
		want := splitWordsRegexp(text)
		if len(ws) != len(want) {
			t.Fatalf("%q: scanner %v, regexp %v", text, ws, want)
		}
		for i := range ws {
			if ws[i] != want[i] {
				t.Fatalf("%q: scanner %v, regexp %v", text, ws, want)
			}
		}
		s := StripPython(text)
		if IsBlank(text) != (s == "") || !strings.Contains(text, s) {
			t.Fatalf("StripPython(%q) = %q, IsBlank %v", text, s, IsBlank(text))
		}
	})
}

// addCorpusSeeds adds real biomedical text as fuzz seeds: the first lines
// (titles and abstracts) of the shared PubTator corpora and a CoNLL
// sentence, when the shared data is present.
func addCorpusSeeds(f *testing.F) {
	for _, rel := range []string{"pubtator/ncbi-disease.test.pubtator.txt", "pubtator/bc5cdr.test.pubtator.txt"} {
		for _, line := range testenv.SharedLines(rel, 8) {
			if _, text, ok := strings.Cut(line, "|"); ok && !strings.Contains(line, "\t") {
				f.Add(text[2:])
			}
		}
	}
	var words []string
	for _, line := range testenv.SharedLines("conll/bc2gm/test.tsv", 40) {
		if w, _, ok := strings.Cut(line, "\t"); ok {
			words = append(words, w)
		}
	}
	if words != nil {
		f.Add(strings.Join(words, " "))
	}
}

// ncbiTestText returns the titles and abstracts of the NCBI-disease test set,
// one text per entry.
func ncbiTestText(b *testing.B) []string {
	p := testenv.DataFile(b, "pubtator/ncbi-disease.test.pubtator.txt")
	data, err := os.ReadFile(filepath.Clean(p))
	if err != nil {
		b.Fatal(err)
	}
	return appendPubtatorTexts(nil, string(data))
}

// BenchmarkSplitWords splits the NCBI-disease test abstracts; the Regexp
// sub-benchmark is the reference pattern in Go's regexp, for comparison.
func BenchmarkSplitWords(b *testing.B) {
	texts := ncbiTestText(b)
	nBytes, nWords := 0, 0
	for _, t := range texts {
		nBytes += len(t)
		nWords += len(SplitWords(nil, t))
	}
	b.Run("Scanner", func(b *testing.B) {
		b.SetBytes(int64(nBytes))
		b.ReportAllocs()
		var dst []Word
		for b.Loop() {
			for _, t := range texts {
				dst = SplitWords(dst[:0], t)
			}
		}
		b.ReportMetric(float64(nWords)*float64(b.N)/b.Elapsed().Seconds(), "words/s")
	})
	b.Run("Regexp", func(b *testing.B) {
		b.SetBytes(int64(nBytes))
		b.ReportAllocs()
		for b.Loop() {
			for _, t := range texts {
				_ = splitWordsRegexp(t)
			}
		}
		b.ReportMetric(float64(nWords)*float64(b.N)/b.Elapsed().Seconds(), "words/s")
	})
}
