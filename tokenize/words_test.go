package tokenize

import (
	"bufio"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// wordStrings returns the words of text as strings.
func wordStrings(text string, ws []Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = text[w.Start:w.End]
	}
	return out
}

func TestSplitWords(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", nil},
		{"spaces only", " \t\n\u00a0\u3000", nil},
		{"hyphen and underscore joins", "e-mail co-op_x", []string{"e-mail", "co-op_x"}},
		{"abbreviations", "3.14 U.S.A.", []string{"3", ".", "14", "U", ".", "S", ".", "A", "."}},
		{"apostrophe", "don't", []string{"don", "'", "t"}},
		{"combining mark is not a word char", "nai\u0308ve", []string{"nai", "\u0308", "ve"}},
		{"devanagari", "हिन्दी", []string{"ह", "ि", "न", "्", "द", "ी"}},
		{"trailing hyphen", "a- -b a--b", []string{"a", "-", "-", "b", "a", "-", "-", "b"}},
		{"underscores", "_ __x a_", []string{"_", "__x", "a_"}},
		{"hyphen then mark", "a-\u0301b", []string{"a", "-", "\u0301", "b"}},
		{"zero width chars are words", "a\u200bb\ufeffc", []string{"a", "\u200b", "b", "\ufeff", "c"}},
		{"python whitespace", "a\x1cb\x1fc\u0085d\u2028e\u202ff", []string{"a", "b", "c", "d", "e", "f"}},
		{"numbers", "x²½Ⅻ٣", []string{"x²½Ⅻ٣"}},
		{"emoji", "ok👍🏽!", []string{"ok", "👍", "🏽", "!"}},
		{"cjk", "東京都 は", []string{"東京都", "は"}},
		{"replacement char", "a\ufffdb", []string{"a", "\ufffd", "b"}},
		{"invalid utf-8 bytes", "a\xffb\xe2\x82 c", []string{"a", "\xff", "b", "\xe2", "\x82", "c"}},
		{"invalid after hyphen", "a-\xff", []string{"a", "-", "\xff"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ws := SplitWords(nil, tc.text)
			if got := wordStrings(tc.text, ws); !equalStrings(got, tc.want) {
				t.Fatalf("SplitWords(%q) = %q, want %q", tc.text, got, tc.want)
			}
			checkWordInvariants(t, tc.text, ws)
		})
	}
}

func TestSplitWordsOffsets(t *testing.T) {
	text := "Ünïcode x-ray\xff é"
	got := SplitWords(nil, text)
	want := []Word{
		{0, 9, 0, 7},    // Ünïcode
		{10, 15, 8, 13}, // x-ray
		{15, 16, 13, 14},
		{17, 19, 15, 16}, // é
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("SplitWords(%q) = %v, want %v", text, got, want)
	}
}

func TestSplitWordsAppends(t *testing.T) {
	dst := []Word{{1, 2, 3, 4}}
	got := SplitWords(dst, "a b")
	want := []Word{{1, 2, 3, 4}, {0, 1, 0, 1}, {2, 3, 2, 3}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestSplitWordsAllocs(t *testing.T) {
	text := strings.Repeat("The BRCA1-associated ataxia-telangiectasia (A-T) gene, naïve 東京 👍. ", 20)
	dst := SplitWords(nil, text)
	allocs := testing.AllocsPerRun(100, func() { dst = SplitWords(dst[:0], text) })
	if allocs != 0 {
		t.Fatalf("SplitWords with a reused dst allocates %v times, want 0", allocs)
	}
}

// checkWordInvariants checks the SplitFunc contract on ws, the words of text.
func checkWordInvariants(tb testing.TB, text string, ws []Word) {
	tb.Helper()
	prevEnd, prevRuneEnd := 0, 0
	for i, w := range ws {
		if w.Start < prevEnd || w.End <= w.Start || w.End > len(text) {
			tb.Fatalf("word %d %v: byte range out of order or bounds (previous end %d, len %d)", i, w, prevEnd, len(text))
		}
		if w.RuneStart < prevRuneEnd || w.RuneEnd <= w.RuneStart {
			tb.Fatalf("word %d %v: code-point range out of order (previous end %d)", i, w, prevRuneEnd)
		}
		if got := countRunes(text[:w.Start]); got != w.RuneStart {
			tb.Fatalf("word %d %v: RuneStart %d, want %d", i, w, w.RuneStart, got)
		}
		if got := countRunes(text[w.Start:w.End]); got != w.RuneEnd-w.RuneStart {
			tb.Fatalf("word %d %v: %d code points, want %d", i, w, w.RuneEnd-w.RuneStart, got)
		}
		for _, r := range text[prevEnd:w.Start] {
			if r == utf8.RuneError || !IsPythonSpace(r) {
				tb.Fatalf("word %d %v: skipped non-space %q before it", i, w, r)
			}
		}
		prevEnd, prevRuneEnd = w.End, w.RuneEnd
	}
	for _, r := range text[prevEnd:] {
		if r == utf8.RuneError || !IsPythonSpace(r) {
			tb.Fatalf("skipped non-space %q after the last word", r)
		}
	}
}

// countRunes counts code points, each invalid byte as one.
func countRunes(s string) int { return utf8.RuneCountInString(s) }

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// oracleRecord is one line of testdata/words_oracle.jsonl.gz, written by
// scripts/gen_words_oracle.py from CPython's re.
type oracleRecord struct {
	Meta  map[string]any `json:"meta"`
	Text  *string        `json:"text"`
	Hex   string         `json:"hex"`
	Words [][2]int       `json:"words"`
	Strip [2]int         `json:"strip"`
}

func readWordsOracle(tb testing.TB) (meta map[string]any, texts []string, recs []oracleRecord) {
	tb.Helper()
	f, err := os.Open("testdata/words_oracle.jsonl.gz")
	if err != nil {
		tb.Fatalf("open oracle (re-create it with scripts/gen_words_oracle.py): %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r oracleRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		if r.Meta != nil {
			meta = r.Meta
			continue
		}
		var text string
		if r.Text != nil {
			text = *r.Text
		} else {
			b, err := hex.DecodeString(r.Hex)
			if err != nil {
				tb.Fatal(err)
			}
			text = string(b)
		}
		texts = append(texts, text)
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return meta, texts, recs
}

func TestSplitWordsMatchesPythonOracle(t *testing.T) {
	meta, texts, recs := readWordsOracle(t)
	var dst []Word
	nWords, nInvalid := 0, 0
	for i, text := range texts {
		dst = SplitWords(dst[:0], text)
		got := make([][2]int, len(dst))
		for j, w := range dst {
			got[j] = [2]int{w.RuneStart, w.RuneEnd}
		}
		if fmt.Sprint(got) != fmt.Sprint(recs[i].Words) {
			t.Errorf("text %d %q:\n got %v\nwant %v", i, text, got, recs[i].Words)
			continue
		}
		checkWordInvariants(t, text, dst)
		nWords += len(dst)
		if !utf8.ValidString(text) {
			nInvalid++
		}
	}
	t.Logf("compared %d strings (%d with invalid UTF-8), %d words against CPython %v (Unicode %v)",
		len(texts), nInvalid, nWords, meta["python"], meta["unidata_version"])
}

func TestStripPythonMatchesOracle(t *testing.T) {
	_, texts, recs := readWordsOracle(t)
	for i, text := range texts {
		rs := runeByteOffsets(text)
		want := text[rs[recs[i].Strip[0]]:rs[recs[i].Strip[1]]]
		if got := StripPython(text); got != want {
			t.Errorf("StripPython(%q) = %q, want %q", text, got, want)
		}
		if got := IsBlank(text); got != (want == "") {
			t.Errorf("IsBlank(%q) = %v, want %v", text, got, want == "")
		}
	}
}

// runeByteOffsets returns the byte offset of every code point of s (each
// invalid byte one code point) and len(s) at the end.
func runeByteOffsets(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i := range s {
		out = append(out, i)
	}
	// range yields one index per invalid byte too.
	return append(out, len(s))
}

func TestStripPython(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		{"\u3000a b\u2029", "a b"},
		{"\u200ba\u200b", "\u200ba\u200b"},
		{"\x1c\x1dx\x1e\x1f", "x"},
		{"\xa0\xff\xa0", "\xa0\xff\xa0"}, // bytes, not U+00A0: invalid UTF-8 is not space
		{"\u00a0\xff", "\xff"},
	}
	for _, tc := range tests {
		if got := StripPython(tc.in); got != tc.want {
			t.Errorf("StripPython(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := IsBlank(tc.in); got != (tc.want == "") {
			t.Errorf("IsBlank(%q) = %v, want %v", tc.in, got, tc.want == "")
		}
	}
}

// pythonClasses is testdata/python_word_classes.json.
type pythonClasses struct {
	Meta       map[string]any `json:"meta"`
	Word       [][2]rune      `json:"word"`
	Space      [][2]rune      `json:"space"`
	Unassigned [][2]rune      `json:"unassigned"`
}

func inRanges(rs [][2]rune, r rune) bool {
	lo, hi := 0, len(rs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < rs[m][0]:
			hi = m
		case r > rs[m][1]:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// TestWordClassesMatchPython checks isWordRune and IsPythonSpace on every
// code point against Python's \w and \s. Code points that Python's Unicode
// database does not assign are skipped (Go's may be newer); the test logs
// how many of them Go classifies differently.
func TestWordClassesMatchPython(t *testing.T) {
	b, err := os.ReadFile("testdata/python_word_classes.json")
	if err != nil {
		t.Fatalf("read classes (re-create with scripts/gen_words_oracle.py): %v", err)
	}
	var pc pythonClasses
	if err := json.Unmarshal(b, &pc); err != nil {
		t.Fatal(err)
	}
	bmpWordOnce.Do(buildBMPWord)
	checked, newer := 0, 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		pyWord, pySpace := inRanges(pc.Word, r), inRanges(pc.Space, r)
		goWord, goSpace := isWordRune(r), IsPythonSpace(r)
		if inRanges(pc.Unassigned, r) {
			if goWord != pyWord || goSpace != pySpace {
				newer++
			}
			continue
		}
		checked++
		if goWord != pyWord || goSpace != pySpace {
			t.Errorf("U+%04X: Go word=%v space=%v, Python word=%v space=%v", r, goWord, goSpace, pyWord, pySpace)
		}
	}
	t.Logf("%d code points assigned in Python %v (Unicode %v) agree; %d code points unassigned there are word characters in Go's Unicode tables",
		checked, pc.Meta["python"], pc.Meta["unidata_version"], newer)
}

// referenceRegexp is the Go spelling of the reference pattern
// (docs/reference.md §1.1), used as a differential check.
var referenceRegexp = func() *regexp.Regexp {
	w := `[\p{L}\p{N}_]`
	ws := `\t\n\x0B\f\r\x1C-\x1F \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}`
	return regexp.MustCompile(w + `+(?:[-_]` + w + `+)*|[^` + ws + `]`)
}()

func splitWordsRegexp(text string) []Word {
	var out []Word
	for _, m := range referenceRegexp.FindAllStringIndex(text, -1) {
		rs := utf8.RuneCountInString(text[:m[0]])
		out = append(out, Word{m[0], m[1], rs, rs + utf8.RuneCountInString(text[m[0]:m[1]])})
	}
	return out
}

func TestSplitWordsMatchesRegexp(t *testing.T) {
	_, texts, _ := readWordsOracle(t)
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aZ09_-- .\t\u00e9\u0301\u0915\u093f\u6771\U0001F44D\u200b\u3000\xff\u00bd\u2160")
	for range 3000 {
		var sb strings.Builder
		for range rng.IntN(40) {
			if rng.IntN(20) == 0 {
				sb.WriteByte(byte(0x80 + rng.IntN(0x80)))
				continue
			}
			sb.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, sb.String())
	}
	var dst []Word
	for _, text := range texts {
		dst = SplitWords(dst[:0], text)
		want := splitWordsRegexp(text)
		if fmt.Sprint(dst) != fmt.Sprint(want) && !(len(dst) == 0 && len(want) == 0) {
			t.Errorf("%q:\n  scanner %v\n   regexp %v", text, dst, want)
		}
	}
}

func TestSplitter(t *testing.T) {
	for _, name := range []string{"", "whitespace"} {
		split, err := Splitter(name)
		if err != nil || split == nil {
			t.Fatalf("Splitter(%q) = %v", name, err)
		}
		if got := wordStrings("a-b c", split(nil, "a-b c")); !equalStrings(got, []string{"a-b", "c"}) {
			t.Fatalf("Splitter(%q) splits %q", name, got)
		}
	}
	for _, name := range []string{"spacy", "stanza", "polyglot", "Whitespace"} {
		_, err := Splitter(name)
		var ue *UnsupportedError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), name) {
			t.Errorf("Splitter(%q): err = %v, want an *UnsupportedError naming it", name, err)
		}
	}
}
