package glinerbeam

import (
	"context"
	"encoding/json"
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

// TestEntityLineUnits checks that a line's offsets are in the chosen unit,
// on a text with a character outside the BMP (two UTF-16 units, 4 bytes)
// before the entity.
func TestEntityLineUnits(t *testing.T) {
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
			line, err := entityLine(Document{ID: "1", Text: text}, gliner.Result{Entities: []gliner.Entity{e}}, tt.unit)
			if err != nil {
				t.Fatal(err)
			}
			var got outLine
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Entities) != 1 || got.Entities[0].Start != tt.start || got.Entities[0].End != tt.end || got.Entities[0].Text != e.Text {
				t.Fatalf("got %s, want [%d,%d)", line, tt.start, tt.end)
			}
		})
	}
}

// TestEntityLineShape checks the line against the record `gliner extract`
// writes: id, entities, then the result's metadata, each left out when
// zero.
func TestEntityLineShape(t *testing.T) {
	d := Document{ID: `"x<1>"`, Text: "a & b"}
	res := gliner.Result{Entities: []gliner.Entity{{Label: "chemical", Score: 0.5, Text: "a & b", End: 5, RuneEnd: 5}}, Windows: 1, LabelGroups: 1}
	got, err := entityLine(d, res, Runes)
	want := `{"id":"x<1>","entities":[{"start":0,"end":5,"text":"a & b","label":"chemical","score":0.5}],"windows":1,"label_groups":1}`
	if err != nil || got != want {
		t.Fatalf("got %s, %v\nwant %s", got, err, want)
	}
	long := gliner.Result{Entities: []gliner.Entity{}, Windows: 3, LabelGroups: 2, Chunked: true, Truncated: true, DroppedWords: 7, CutWords: 1}
	want = `{"id":3,"entities":[],"windows":3,"label_groups":2,"chunked":true,"truncated":true,"dropped_words":7,"cut_words":1}`
	if got, _ := entityLine(Document{ID: "3"}, long, Runes); got != want {
		t.Fatalf("metadata: got %s\nwant %s", got, want)
	}
	if got, _ := entityLine(Document{ID: "4"}, gliner.Result{}, Runes); got != `{"id":4,"entities":[]}` {
		t.Fatalf("blank text: got %s", got)
	}
}

// TestEmitResultError checks that a result carrying an error dead-letters
// its document with that error and writes no line.
func TestEmitResultError(t *testing.T) {
	f := &extractFn{Opts: DefaultOptions("disease"), counts: map[string]int{}}
	d := Document{ID: `"r"`, Text: "too long", Source: "in.jsonl:3"}
	var out, dead []string
	f.emit(context.Background(), d, gliner.Result{Err: gliner.ErrTextTooLong}, func(s string) { out = append(out, s) }, func(s string) { dead = append(dead, s) })
	if len(out) != 0 || len(dead) != 1 {
		t.Fatalf("out %q, dead %q; want no line and one dead letter", out, dead)
	}
	var got DeadLetter
	if err := json.Unmarshal([]byte(dead[0]), &got); err != nil {
		t.Fatal(err)
	}
	if string(got.ID) != `"r"` || got.Source != d.Source || got.Error != gliner.ErrTextTooLong.Error() || got.Input != `{"id":"r","text":"too long"}` {
		t.Fatalf("dead letter %s", dead[0])
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
		{"bad policy", Options{Labels: []string{"x"}, LongTexts: 3}, false},
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
	// The names and default of `gliner extract --offsets` and --long-texts.
	for s, want := range map[string]gliner.LongTextPolicy{
		"chunk": gliner.ChunkLongTexts, "": gliner.ChunkLongTexts,
		"truncate": gliner.TruncateLongTexts, "error": gliner.RefuseLongTexts,
	} {
		if p, err := ParseLongTexts(s); err != nil || p != want {
			t.Errorf("ParseLongTexts(%q) = %v, %v; want %v", s, p, err, want)
		}
	}
	if u, err := ParseOffsetUnit(""); err != nil || u != Runes {
		t.Errorf("ParseOffsetUnit(\"\") = %v, %v; want runes", u, err)
	}
	for _, s := range []string{"Runes", "xml", "refuse"} {
		_, e1 := ParseOffsetUnit(s)
		_, e2 := ParseFormat(s)
		_, e3 := ParseLongTexts(s)
		if !errors.Is(e1, ErrOption) || !errors.Is(e2, ErrOption) || !errors.Is(e3, ErrOption) {
			t.Errorf("%q: errors %v, %v, %v; want ErrOption", s, e1, e2, e3)
		}
	}
	if _, err := ParseFormat(""); !errors.Is(err, ErrOption) {
		t.Errorf("ParseFormat(\"\") error = %v, want ErrOption", err)
	}
	if FormatAuto.resolve("gs://b/pubmed.PubTator.txt") != FormatPubTator || FormatAuto.resolve("pubtator/docs.jsonl") != FormatJSONL {
		t.Error("FormatAuto resolves by the file name")
	}
}
