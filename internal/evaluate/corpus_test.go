package evaluate

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

func TestReadCoNLL(t *testing.T) {
	in := "Torsade\tB-Disease\nde\tI-Disease\npointes\tI-Disease\nduring\tO\ndobutamine\tB-Chemical\n\n" +
		"-DOCSTART-\tO\n\nµ-opioid\tB-Chemical\nand\tO\ncancer\tI-Disease\n.\tO\n"
	c, err := ReadCoNLL(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Document{
		{ID: "s1", Text: "Torsade de pointes during dobutamine", Entities: []Span{{0, 18, "Disease"}, {26, 36, "Chemical"}}},
		{ID: "s2", Text: "µ-opioid and cancer .", Entities: []Span{{0, 8, "Chemical"}}},
	}
	if !reflect.DeepEqual(c.Docs, want) {
		t.Fatalf("docs:\n got %+v\nwant %+v", c.Docs, want)
	}
	if c.StrayInside != 1 {
		t.Errorf("StrayInside = %d, want 1 (the I-Disease after O)", c.StrayInside)
	}
	if got := c.Types(); !reflect.DeepEqual(got, []string{"Chemical", "Disease"}) {
		t.Errorf("Types = %v", got)
	}
}

func TestReadCoNLLErrors(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"no tab", "word B-X\n"},
		{"bad tag", "word\tX-Disease\n"},
		{"bare B", "word\tB-\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCoNLL(strings.NewReader(tc.in))
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrFormat) || pe.Line != 1 {
				t.Fatalf("err = %v, want a ParseError on line 1 wrapping ErrFormat", err)
			}
		})
	}
}

func TestDecodeIOB2(t *testing.T) {
	tags := []string{"B-A", "I-A", "B-A", "I-B", "O", "I-A", "B-B", "I-B", "I-B", "B-A"}
	chunks, stray := DecodeIOB2(tags)
	want := []Span{{0, 2, "A"}, {2, 3, "A"}, {6, 9, "B"}, {9, 10, "A"}}
	if !reflect.DeepEqual(chunks, want) || stray != 2 {
		t.Fatalf("got %v stray %d, want %v stray 2", chunks, stray, want)
	}
}

const pubSample = `100|t|Famotidine-associated delirium.
100|a|Famotidine is used. Café ulcers.
100	0	10	Famotidine	Chemical	D015738
100	22	30	delirium	Disease	D003693
100	32	42	Famotidine	Chemical	D015738
100	57	63	ulcers	Disease	D014456|D1	a|b
100	CID	D015738	D003693

200|t|Title only
200	0	5	Title	Disease	-1
`

func TestReadPubTator(t *testing.T) {
	c, err := ReadPubTator(strings.NewReader(pubSample))
	if err != nil {
		t.Fatal(err)
	}
	want := []Document{
		{ID: "100", Text: "Famotidine-associated delirium. Famotidine is used. Café ulcers.",
			Entities: []Span{{0, 10, "Chemical"}, {22, 30, "Disease"}, {32, 42, "Chemical"}, {57, 63, "Disease"}}},
		{ID: "200", Text: "Title only", Entities: []Span{{0, 5, "Disease"}}},
	}
	if !reflect.DeepEqual(c.Docs, want) {
		t.Fatalf("docs:\n got %+v\nwant %+v", c.Docs, want)
	}
}

func TestReadPubTatorErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		line     int
	}{
		{"text differs", "1|t|Some title\n1|a|x\n1\t0\t4\tSoma\tDisease\tD1\n", 3},
		{"out of range", "1|t|Some title\n1\t5\t40\ttitle\tDisease\tD1\n", 2},
		{"too few fields", "1|t|Some title\n1\t0\t4\n", 2},
		{"mention first", "1\t0\t4\tSome\tDisease\n", 1},
		{"other doc", "1|t|Some title\n2\t0\t4\tSome\tDisease\n", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPubTator(strings.NewReader(tc.in))
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != tc.line {
				t.Fatalf("err = %v, want a ParseError on line %d", err, tc.line)
			}
		})
	}
}

func TestReadJSONL(t *testing.T) {
	in := `{"id":"a","text":"Ça va, aspirin?","entities":[{"start":7,"end":14,"label":"Chemical"}]}

{"text":"no entities"}
{"id":7,"text":"x","entities":[]}
`
	c, err := ReadJSONL(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Document{
		{ID: "a", Text: "Ça va, aspirin?", Entities: []Span{{7, 14, "Chemical"}}},
		{ID: "l3", Text: "no entities"},
		{ID: "7", Text: "x", Entities: []Span{}},
	}
	if !reflect.DeepEqual(c.Docs, want) {
		t.Fatalf("docs:\n got %#v\nwant %#v", c.Docs, want)
	}
	for _, bad := range []string{`{"text":"abc","entities":[{"start":2,"end":9,"label":"X"}]}`, `{"entities":[]}`, `{"text":`, `{"text":"ab","entities":[{"start":1,"end":1,"label":"X"}]}`} {
		if _, err := ReadJSONL(strings.NewReader(bad)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", bad, err)
		}
	}
}

func TestFormatFromPath(t *testing.T) {
	for path, want := range map[string]Format{
		"conll/ncbi-disease/test.tsv": FormatCoNLL,
		"x.conll":                     FormatCoNLL,
		"gold.jsonl":                  FormatJSONL,
		"bc5cdr.test.pubtator.txt":    FormatPubTator,
		"corpus.PubTator":             FormatPubTator,
		"/a/b/ncbi-disease.pubtator":  FormatPubTator,
		"data.json":                   FormatJSONL,
	} {
		if got, err := FormatFromPath(path); err != nil || got != want {
			t.Errorf("FormatFromPath(%q) = %v, %v; want %v", path, got, err, want)
		}
	}
	if _, err := FormatFromPath("notes.txt"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("notes.txt: err = %v, want ErrUnknownFormat", err)
	}
	if _, err := ParseFormat("xml"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("ParseFormat(xml): err = %v", err)
	}
}

// TestSharedCorpora reads the real corpora and checks the mention counts the
// data README gives, and that every gold span's text is what the file says.
func TestSharedCorpora(t *testing.T) {
	for _, tc := range []struct {
		rel    string
		counts map[string]int
	}{
		{"conll/ncbi-disease/test.tsv", map[string]int{"Disease": 960}},
		{"conll/bc5cdr/test.tsv", map[string]int{"Chemical": 5385, "Disease": 4424}},
		{"conll/bc2gm/test.tsv", map[string]int{"GENE": 6325}},
		{"pubtator/ncbi-disease.test.pubtator.txt", map[string]int{"SpecificDisease": 555, "Modifier": 264, "DiseaseClass": 121, "CompositeMention": 20}},
		{"pubtator/bc5cdr.test.pubtator.txt", nil},
	} {
		t.Run(tc.rel, func(t *testing.T) {
			c, err := ReadFile(testenv.DataFile(t, tc.rel), 0)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, d := range c.Docs {
				for _, e := range d.Entities {
					got[e.Label]++
				}
			}
			if tc.counts != nil && !reflect.DeepEqual(got, tc.counts) {
				t.Errorf("mentions by type = %v, want %v", got, tc.counts)
			}
			if tc.counts == nil && got["Chemical"]+got["Disease"] != 9809 {
				t.Errorf("BC5CDR PubTator mentions = %v, want 9809 in all", got)
			}
			if c.StrayInside != 0 {
				t.Errorf("StrayInside = %d", c.StrayInside)
			}
		})
	}
}
