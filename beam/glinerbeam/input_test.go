package glinerbeam

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/gliner"
)

func TestParseJSONLine(t *testing.T) {
	tests := []struct {
		name, line string
		want       Document
		ok         bool
		err        string
	}{
		{"string id", `{"id":"a","text":"Aspirin."}`, Document{ID: `"a"`, Text: "Aspirin."}, true, ""},
		{"number id, spaces", `  {"text":"x", "id": 7}  `, Document{ID: `7`, Text: "x"}, true, ""},
		{"empty text", `{"id":1,"text":""}`, Document{ID: `1`}, true, ""},
		{"blank", " \t", Document{}, false, ""},
		{"invalid", `{"id":1,"text":`, Document{}, false, "invalid JSON"},
		{"no text", `{"id":1}`, Document{}, false, `without "text"`},
		{"no id", `{"text":"x"}`, Document{}, false, `without "id"`},
		{"null id", `{"id":null,"text":"x"}`, Document{}, false, `without "id"`},
		{"plain text", `Aspirin.`, Document{}, false, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok, err := parseJSONLine(tt.line)
			if tt.err != "" {
				if err == nil || !errors.Is(err, errRecord) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want errRecord with %q", err, tt.err)
				}
				return
			}
			if err != nil || ok != tt.ok || d != tt.want {
				t.Fatalf("got %+v, %v, %v; want %+v, %v", d, ok, err, tt.want, tt.ok)
			}
		})
	}
}

func TestPubTatorReader(t *testing.T) {
	in := strings.Join([]string{
		"1|t|Title one.",
		"1|a|Abstract one.",
		"1\t0\t5\tTitle\tDisease\tD1",
		"1\tCID\tD1\tD2",
		"",
		"",
		"2|t|Title two only.",
		"3|t|Title three.",
		"stray line",
		"9\t0\t1\tx\tChemical",
		"3|a|Abstract three.",
	}, "\r\n")
	var bad []string
	r := newPubTatorReader(strings.NewReader(in), "f", func(source, line string, err error) {
		bad = append(bad, source+" "+line+" "+err.Error())
	})
	want := []Document{
		{ID: `"1"`, Text: "Title one. Abstract one.", Source: "f:1"},
		{ID: `"2"`, Text: "Title two only.", Source: "f:7"},
		{ID: `"3"`, Text: "Title three. Abstract three.", Source: "f:8"},
	}
	for i, w := range want {
		d, err := r.Next()
		if err != nil || d != w {
			t.Fatalf("document %d: got %+v, %v; want %+v", i, d, err, w)
		}
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last document: %v, want io.EOF", err)
	}
	if len(bad) != 2 || !strings.HasPrefix(bad[0], "f:9 stray line") || !strings.HasPrefix(bad[1], "f:10 9\t0") {
		t.Fatalf("bad lines %q", bad)
	}
}

func TestPubTatorReaderLongLine(t *testing.T) {
	in := "1|t|" + strings.Repeat("x", maxLine+1)
	r := newPubTatorReader(strings.NewReader(in), "f", func(string, string, error) {})
	if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("err = %v, want a line-too-long error", err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the error: %v, want io.EOF", err)
	}
}

func TestConvertOffsets(t *testing.T) {
	text := "𝛼-synuclein in Parkinson disease"
	start := strings.Index(text, "Parkinson")
	e := gliner.Entity{Label: "disease", Score: 0.9, Text: "Parkinson disease", Start: start, End: len(text), RuneStart: 15, RuneEnd: 32}
	tests := []struct {
		unit       OffsetUnit
		start, end int
	}{
		{Runes, 15, 32},
		{Bytes, start, len(text)},
		{UTF16, 16, 33},
	}
	for _, tt := range tests {
		t.Run(tt.unit.String(), func(t *testing.T) {
			got := convertOffsets(text, []gliner.Entity{e}, tt.unit)[0]
			if got.Start != tt.start || got.End != tt.end || got.Text != e.Text || got.Label != e.Label {
				t.Fatalf("got %+v, want [%d,%d)", got, tt.start, tt.end)
			}
		})
	}
}

func TestEntityLineShape(t *testing.T) {
	d := Document{ID: `"x<1>"`, Text: "a & b"}
	got, err := entityLine(d, []gliner.Entity{{Label: "chemical", Score: 0.5, Text: "a & b", End: 5, RuneEnd: 5}}, Runes)
	want := `{"id":"x<1>","entities":[{"start":0,"end":5,"text":"a & b","label":"chemical","score":0.5}]}`
	if err != nil || got != want {
		t.Fatalf("got %s, %v\nwant %s", got, err, want)
	}
	if got, _ := entityLine(Document{ID: "3"}, []gliner.Entity{}, Runes); got != `{"id":3,"entities":[]}` {
		t.Fatalf("no entities: got %s", got)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		ok   bool
	}{
		{"default", DefaultOptions("disease"), true},
		{"no labels", DefaultOptions(), false},
		{"negative batch", Options{Labels: []string{"x"}, BatchSize: -1}, false},
		{"negative threads", Options{Labels: []string{"x"}, Threads: -2}, false},
		{"bad unit", Options{Labels: []string{"x"}, Offsets: 7}, false},
		{"built-in fp16", Options{Labels: []string{"x"}, Variant: "fp16"}, false},
		{"folder fp16", Options{Labels: []string{"x"}, Model: "m", Variant: "fp16"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrOption)) {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestParseNames(t *testing.T) {
	for _, s := range []string{"runes", "bytes", "utf16"} {
		if u, err := ParseOffsetUnit(s); err != nil || u.String() != s {
			t.Errorf("ParseOffsetUnit(%q) = %v, %v", s, u, err)
		}
	}
	for _, s := range []string{"auto", "jsonl", "pubtator"} {
		if f, err := ParseFormat(s); err != nil || f.String() != s {
			t.Errorf("ParseFormat(%q) = %v, %v", s, f, err)
		}
	}
	for _, s := range []string{"truncate", "refuse"} {
		if p, err := ParseLongTexts(s); err != nil || p.String() != s {
			t.Errorf("ParseLongTexts(%q) = %v, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "Runes", "xml"} {
		_, e1 := ParseOffsetUnit(s)
		_, e2 := ParseFormat(s)
		_, e3 := ParseLongTexts(s)
		if !errors.Is(e1, ErrOption) || !errors.Is(e2, ErrOption) || !errors.Is(e3, ErrOption) {
			t.Errorf("%q: errors %v, %v, %v; want ErrOption", s, e1, e2, e3)
		}
	}
	if FormatAuto.resolve("gs://b/pubmed.PubTator.txt") != FormatPubTator || FormatAuto.resolve("pubtator/docs.jsonl") != FormatJSONL {
		t.Error("FormatAuto resolves by the file name")
	}
}
