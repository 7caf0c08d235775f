package tokenize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// corpusFiles are the shared corpora: CoNLL files (sentences become their
// tokens joined by single spaces) and PubTator files (titles and abstracts).
var corpusFiles = struct{ conll, pubtator []string }{
	conll: []string{
		"conll/ncbi-disease/train.tsv", "conll/ncbi-disease/devel.tsv", "conll/ncbi-disease/test.tsv",
		"conll/bc5cdr/train.tsv", "conll/bc5cdr/devel.tsv", "conll/bc5cdr/test.tsv",
		"conll/bc2gm/train.tsv", "conll/bc2gm/devel.tsv", "conll/bc2gm/test.tsv",
		"conll/jnlpba/devel.tsv", "conll/jnlpba/test.tsv",
	},
	pubtator: []string{"pubtator/ncbi-disease.test.pubtator.txt", "pubtator/bc5cdr.test.pubtator.txt"},
}

var (
	corpusOnce  sync.Once
	corpusCache []string
	corpusErr   error
)

// splitterCorpusTexts returns every text of the shared corpora (CoNLL
// sentences joined by spaces, PubTator titles and abstracts), or skips or
// fails the test when the shared data is missing.
func splitterCorpusTexts(tb testing.TB) []string {
	tb.Helper()
	dir := filepath.Join(testenv.SharedDir(tb), "data")
	corpusOnce.Do(func() { corpusCache, corpusErr = loadCorpora(dir) })
	if corpusErr != nil {
		tb.Fatal(corpusErr)
	}
	return corpusCache
}

func loadCorpora(dir string) ([]string, error) {
	var texts []string
	for _, rel := range corpusFiles.conll {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		texts = appendConllSentences(texts, string(b))
	}
	for _, rel := range corpusFiles.pubtator {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		texts = appendPubtatorTexts(texts, string(b))
	}
	return texts, nil
}

func appendConllSentences(texts []string, data string) []string {
	var toks []string
	flush := func() {
		if len(toks) > 0 {
			texts = append(texts, strings.Join(toks, " "))
			toks = toks[:0]
		}
	}
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			flush()
			continue
		}
		tok, _, _ := strings.Cut(line, "\t")
		toks = append(toks, tok)
	}
	flush()
	return texts
}

func appendPubtatorTexts(texts []string, data string) []string {
	for _, line := range strings.Split(data, "\n") {
		for _, sep := range []string{"|t|", "|a|"} {
			if _, text, ok := strings.Cut(line, sep); ok && !strings.Contains(line[:strings.Index(line, sep)], "\t") {
				texts = append(texts, strings.TrimRight(text, "\r"))
				break
			}
		}
	}
	return texts
}

// pythonSplitScript reads JSON strings, one per line, and writes for each the
// code-point offsets of GLiNER's splitter as "s e s e ...".
const pythonSplitScript = `
import json, re, sys
pat = re.compile(r"\w+(?:[-_]\w+)*|\S")
out = sys.stdout
for line in sys.stdin:
    text = json.loads(line)
    out.write(" ".join("%d %d" % m.span() for m in pat.finditer(text)))
    out.write("\n")
`

// TestSplitWordsMatchesPythonOnCorpora runs CPython's re over every corpus
// text and compares words and code-point offsets.
func TestSplitWordsMatchesPythonOnCorpora(t *testing.T) {
	texts := splitterCorpusTexts(t)
	py := testenv.Python(t)
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, text := range texts {
		if err := enc.Encode(text); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(py, "-c", pythonSplitScript)
	cmd.Stdin = &in
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	var dst []Word
	var line []byte
	nWords, nBytes, bad := 0, 0, 0
	for i, text := range texts {
		if !sc.Scan() {
			t.Fatalf("python wrote %d lines for %d texts", i, len(texts))
		}
		dst = SplitWords(dst[:0], text)
		line = line[:0]
		for j, w := range dst {
			if j > 0 {
				line = append(line, ' ')
			}
			line = strconv.AppendInt(line, int64(w.RuneStart), 10)
			line = append(line, ' ')
			line = strconv.AppendInt(line, int64(w.RuneEnd), 10)
		}
		if !bytes.Equal(line, sc.Bytes()) {
			bad++
			if bad <= 5 {
				t.Errorf("text %d %q:\n    go %s\npython %s", i, text, line, sc.Bytes())
			}
		}
		nWords += len(dst)
		nBytes += len(text)
	}
	if bad > 0 {
		t.Fatalf("%d of %d texts differ", bad, len(texts))
	}
	t.Logf("%d texts (%s), %d words: identical to CPython re", len(texts), fmtBytes(nBytes), nWords)
}

func fmtBytes(n int) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
