package tokenize

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// parityInput is one input of the parity suite: a plain text, or pre-split
// words when words is non-nil.
type parityInput struct {
	text    string
	words   []string
	isWords bool
	noSpec  bool // encode without the post-processor's special tokens
}

var parityConll = []string{
	"conll/ncbi-disease/train.tsv", "conll/ncbi-disease/devel.tsv", "conll/ncbi-disease/test.tsv",
	"conll/bc5cdr/train.tsv", "conll/bc5cdr/devel.tsv", "conll/bc5cdr/test.tsv",
	"conll/bc2gm/train.tsv", "conll/bc2gm/devel.tsv", "conll/bc2gm/test.tsv",
	"conll/jnlpba/devel.tsv", "conll/jnlpba/test.tsv",
}

var parityPubtator = []string{"pubtator/ncbi-disease.test.pubtator.txt", "pubtator/bc5cdr.test.pubtator.txt"}

var (
	parityOnce   sync.Once
	parityInputs []parityInput
	parityErr    error
)

// parityCorpus returns every input of the suite: each CoNLL sentence as text
// (tokens joined by spaces) and as words, each PubTator title and abstract
// as text and as whitespace-split words, and the adversarial set. With
// -short only every 8th corpus sentence is kept.
func parityCorpus(tb testing.TB) []parityInput {
	tb.Helper()
	dir := filepath.Join(testenv.SharedDir(tb), "data")
	parityOnce.Do(func() { parityInputs, parityErr = loadParityCorpus(dir, testing.Short()) })
	if parityErr != nil {
		tb.Fatal(parityErr)
	}
	return parityInputs
}

func loadParityCorpus(dir string, short bool) ([]parityInput, error) {
	var in []parityInput
	n := 0
	add := func(text string, words []string) {
		n++
		if short && n%8 != 0 {
			return
		}
		in = append(in, parityInput{text: text}, parityInput{words: words, isWords: true})
	}
	for _, rel := range parityConll {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		for _, sent := range conllSentences(string(b)) {
			add(strings.Join(sent, " "), sent)
		}
	}
	for _, rel := range parityPubtator {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		for _, text := range pubtatorTexts(string(b)) {
			add(text, strings.Fields(text))
		}
	}
	return append(in, adversarialInputs()...), nil
}

// adversarialInputs returns the adversarial set as parity inputs: each text
// as text and as whitespace-split words, with and without special tokens,
// plus the word lists of adversarialWords.
func adversarialInputs() []parityInput {
	var in []parityInput
	for _, text := range adversarialTexts() {
		in = append(in,
			parityInput{text: text},
			parityInput{text: text, noSpec: true},
			parityInput{words: strings.Fields(text), isWords: true},
			parityInput{words: strings.Fields(text), isWords: true, noSpec: true})
	}
	for _, words := range adversarialWords() {
		in = append(in, parityInput{words: words, isWords: true})
	}
	return in
}

// conllSentences returns the token lists of a token<TAB>tag file.
func conllSentences(data string) [][]string {
	var out [][]string
	var cur []string
	for _, line := range strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		tok, _, _ := strings.Cut(line, "\t")
		cur = append(cur, tok)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// pubtatorTexts returns the titles and abstracts of a PubTator file.
func pubtatorTexts(data string) []string {
	var out []string
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if _, rest, ok := strings.Cut(line, "|t|"); ok && !strings.Contains(line, "\t") {
			out = append(out, rest)
		} else if _, rest, ok := strings.Cut(line, "|a|"); ok && !strings.Contains(line, "\t") {
			out = append(out, rest)
		}
	}
	return out
}

// pythonSpaces are the characters for which Python's str.isspace is true.
var pythonSpaces = []rune{'\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xa0, 0x1680,
	0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
	0x2028, 0x2029, 0x202f, 0x205f, 0x3000}

// adversarialTexts is the generated adversarial set: hand-picked hard cases
// and seeded random strings over a pool of troublesome characters.
func adversarialTexts() []string {
	texts := []string{
		"", " ", "   ", "\t", "\n\n", "a", "A.", "  leading and trailing  ", "double  space  inside",
		"café naïve résumé Ångström Zürich façade coöperate",
		"e\u0301 a\u0300\u0316 o\u0308\u0304 n\u0303 \u0301alone x\u20dd q\u0323\u0307 s\u0307\u0323",
		"Ǖ ǖ Ḝ ḝ ẛ\u0323 \u1e9b\u0323 Å Å",
		"日本語のテキスト 中文字符测试 한국어 텍스트 ｶﾀｶﾅ",
		"हिन्दी भाषा नमस्ते क्षत्रिय श्री ज्ञ",
		"😀 👍🏽 👨‍👩‍👧 🇫🇷🇩🇪 ❤️ 🥰 🫠 🧬 1️⃣",
		"zero\u200bwidth\u200cnon\u200djoiner\ufeffbom\u2060word \u200b \u200e\u200f",
		"hy\u00adphen\u00ad ation soft\u00ad",
		"control\x00chars\x01here\x7f and \u009f \u0085 \ue000 \U000F0000 \ufffd end",
		strings.Repeat("a", 150), strings.Repeat("é", 120), strings.Repeat("Pneumonoultramicroscopicsilicovolcanoconiosis", 4),
		strings.Repeat("1234567890", 12), strings.Repeat("ab", 60) + " " + strings.Repeat("日", 110),
		"<<ENT>> disease <<ENT>> chemical <<SEP>> Aspirin causes ulcers.",
		"x<<ENT>>y <<ENT>><<SEP>> <<ENT <SEP>> ENT>> < <ENT>> > <<<ENT>>>",
		"[CLS] [SEP] [MASK] [PAD] [UNK] [FLERT] [cls] <s> </s> <pad>",
		"ﬁ ligature ① ™ ½ Ⅻ ＡＢＣ１２３ ㎏ ℃ Å ﬀ",
		"İstanbul ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ Straße ǅ ǈ ᾼ",
		"العربية עברית ภาษาไทย ქართული Ελληνικά Кириллица",
		"∑∫√∞ ≠ ≤ “quoted” ‘single’ «guillemets» — – … ``tex quotes'' ''",
		"3.14 1,000 10^-3 1e-5 0x1F 50% $5 €10 #1 @user a_b a-b a/b a\\b",
		"IL-2 (IL)-2 TNF-alpha p53 U.S.A. e.g. i.e. Fig. 3a don't can't it's",
		"tab\tsep CRLF\r\nline CR\rlone vt\vff\f",
		"\u3000ideographic\u3000space\u2003em\u2009thin\u202fnnbsp\u205fmath\u00a0nbsp\u1680ogham",
		"a\u2028b\u2029c\u0085d\x1ce\x1df\x1eg\x1fh",
		"▁ metaspace ▁▁ already ▁x",
		"Ġ byte Ċ level",
		"UPPER lower MiXeD CamelCase",
		"a.b.c,d;e:f!g?h(i)j[k]l{m}n'o\"p",
		"naïve\u0308 e\u0301\u0301\u0301 \u0345\u0300 a\u0345\u0300",
	}
	for _, sp := range pythonSpaces {
		s := string(sp)
		texts = append(texts, "word"+s+"word", s+"lead", "trail"+s, "run"+s+s+s+"run", s)
	}
	texts = append(texts, randomTexts(400)...)
	return texts
}

// adversarialWords are word lists with cases plain texts cannot express.
func adversarialWords() [][]string {
	return [][]string{
		{}, {""}, {"a", "", "b"}, {" "}, {"a b"}, {"<<ENT>>"}, {"<<ENT>>", "label", "<<SEP>>", "text"},
		{"x<<ENT>>y"}, {"\u200b"}, {"\u00ad"}, {"e\u0301"}, {"\u0301"}, {"日本"}, {strings.Repeat("z", 130)},
	}
}

// randomTexts returns n seeded random strings over a pool of characters
// that exercise every normalization and splitting rule.
func randomTexts(n int) []string {
	pool := []rune("aAzZ09 _-.,'\"!?()[]<>/\\@#$%^&*+=~`|;:")
	pool = append(pool, pythonSpaces...)
	pool = append(pool, []rune("éÉèñüÅßİıΣσςЖжあア日本中文한국हिन्दीक्षةعब")...)
	pool = append(pool, 0x301, 0x300, 0x308, 0x323, 0x345, 0x20dd, 0x200b, 0x200c, 0x200d, 0xfeff, 0xad,
		0x0, 0x1, 0x7f, 0x9f, 0xe000, 0xfffd, 0x1f600, 0x1f3fd, 0x1f1eb, 0x1f1f7, 0x2764, 0xfe0f,
		0xfb01, 0x2460, 0x2122, 0xbd, 0xff21, 0x2581, 0x120, 0x10a, 0x2028, 0x3000, 0x1f970)
	pieces := []string{"<<ENT>>", "<<SEP>>", "[CLS]", "[SEP]", "[MASK]", "[UNK]", "``", "''", "  ", "\r\n"}
	rng := rand.New(rand.NewPCG(2, 7))
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		var sb strings.Builder
		for k := rng.IntN(40); k > 0; k-- {
			if rng.IntN(12) == 0 {
				sb.WriteString(pieces[rng.IntN(len(pieces))])
				continue
			}
			sb.WriteRune(pool[rng.IntN(len(pool))])
		}
		out = append(out, sb.String())
	}
	return out
}

var _ = fmt.Sprint
