package offsets

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/gliner-go/gliner/gliner"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Unit
	}{{"", Runes}, {"runes", Runes}, {"bytes", Bytes}, {"utf16", UTF16}} {
		u, err := Parse(tc.in)
		if err != nil || u != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, u, err, tc.want)
		}
		if tc.in != "" && u.String() != tc.in {
			t.Errorf("%v.String() = %q", u, u.String())
		}
	}
	if _, err := Parse("words"); !errors.Is(err, ErrUnit) {
		t.Errorf("Parse(words) error = %v, want ErrUnit", err)
	}
}

// TestConvert checks the three units on a text with a 2-byte, a 3-byte and
// a 4-byte (two UTF-16 units) character before the entity.
func TestConvert(t *testing.T) {
	text := "é€😀 cancer"
	start := len("é€😀 ")
	e := gliner.Entity{Label: "disease", Score: 0.9, Text: "cancer", Start: start, End: len(text),
		RuneStart: utf8.RuneCountInString(text[:start]), RuneEnd: utf8.RuneCountInString(text)}
	for _, tc := range []struct {
		u          Unit
		start, end int
	}{{Runes, 4, 10}, {Bytes, 10, 16}, {UTF16, 5, 11}} {
		got := Convert(text, []gliner.Entity{e}, tc.u)
		want := Entity{Start: tc.start, End: tc.end, Text: "cancer", Label: "disease", Score: 0.9}
		if len(got) != 1 || got[0] != want {
			t.Errorf("%v: got %+v, want %+v", tc.u, got, want)
		}
	}
	if got := Convert(text, nil, Runes); got == nil || len(got) != 0 {
		t.Errorf("Convert(nil) = %#v, want an empty slice", got)
	}
}
