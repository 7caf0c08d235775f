package evaluate

import (
	"errors"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// The readers' fuzz targets: arbitrary bytes give a corpus or an error
// wrapping ErrFormat, never a panic; every gold span of a corpus lies inside
// its text, is non-empty and labelled. Seeds are the first lines of the
// shared corpora when present, and hand-made edge cases.

// addSeeds adds the first n lines of each shared file (if present) and the
// given texts.
func addSeeds(f *testing.F, n int, files []string, texts ...string) {
	for _, rel := range files {
		if lines := testenv.SharedLines(rel, n); lines != nil {
			f.Add(strings.Join(lines, "\n") + "\n")
		}
	}
	for _, s := range texts {
		f.Add(s)
	}
}

// checkCorpus checks the invariants every reader's corpus keeps.
func checkCorpus(t *testing.T, c *Corpus, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrFormat) {
			t.Fatalf("error %v does not wrap ErrFormat", err)
		}
		if c != nil {
			t.Fatalf("corpus %+v with error %v", c, err)
		}
		return
	}
	for _, d := range c.Docs {
		n := runeLen(d.Text)
		for _, e := range d.Entities {
			if err := checkSpan(e, n); err != nil {
				t.Fatalf("document %q: %v", d.ID, err)
			}
		}
	}
}

func FuzzReadCoNLL(f *testing.F) {
	addSeeds(f, 60, []string{"conll/ncbi-disease/test.tsv", "conll/bc5cdr/test.tsv", "conll/jnlpba/test.tsv"},
		"", "\n\n", "a\tO\n", "a\tB-X\nb\tI-X\n\nc\tI-Y\r\n", "-DOCSTART-\tO\n\nµ\tx\tB-Chem\n",
		"a\tB-\n", "a b\tO\n", "\xff\tB-\xfe\n", "a\tI-X\nb\tB-X\nc\tI-X\nd\tI-Y\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ReadCoNLL(strings.NewReader(in))
		checkCorpus(t, c, err)
		if err != nil {
			return
		}
		for _, d := range c.Docs {
			if d.Text == "" || strings.Contains(d.Text, "\n") {
				t.Fatalf("document %q: text %q", d.ID, d.Text)
			}
			for _, e := range d.Entities { // entities cover whole tokens
				r := []rune(d.Text)
				if (e.Start > 0 && r[e.Start-1] != ' ') || (e.End < len(r) && r[e.End] != ' ') {
					t.Fatalf("document %q: span %v cuts a token of %q", d.ID, e, d.Text)
				}
			}
		}
	})
}

func FuzzReadPubTator(f *testing.F) {
	addSeeds(f, 40, []string{"pubtator/ncbi-disease.test.pubtator.txt", "pubtator/bc5cdr.test.pubtator.txt"},
		"", "1|t|A b\n1\t0\t1\tA\tX\n", "1|t|µ café\n1|a|x\n1\t2\t6\tcafé\tY\n1\tCID\tD1\tD2\n\n2|t|z\n",
		"1\t0\t1\tA\tX\n", "1|t|ab\n1\t1\t0\tb\tX\n", "1|t|ab\n2\t0\t1\ta\tX\n", "1|t|\xff\xfe\n1\t0\t1\t\ufffd\tX\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ReadPubTator(strings.NewReader(in))
		checkCorpus(t, c, err)
	})
}

func FuzzReadJSONL(f *testing.F) {
	f.Add(`{"id": 7, "text": "BRCA1 and breast cancer", "entities": [{"start": 10, "end": 23, "label": "disease"}]}`)
	f.Add(`{"text": "µ-opioid", "entities": [{"start": 0, "end": 8, "label": "chemical"}]}` + "\n\n" + `{"id": "x", "text": ""}`)
	f.Add(`{"text": "ab", "entities": [{"start": 1, "end": 1, "label": "x"}]}`)
	f.Add(`{"text": "ab", "entities": [{"start": -1, "end": 3, "label": ""}]}`)
	f.Add(`{"text": "\ud800\u0000", "entities": null}` + "\n" + `{"entities": []}`)
	f.Add("{\"text\": \"\xff\xfe\", \"entities\": [{\"start\": 0, \"end\": 2, \"label\": \"y\"}]}")
	f.Add(`[1, 2]`)
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ReadJSONL(strings.NewReader(in))
		checkCorpus(t, c, err)
	})
}
