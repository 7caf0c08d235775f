// Command bench measures the encoding throughput of package tokenize and of
// github.com/sugarme/tokenizer on the same corpus, single-threaded, for
// scripts/bench-tokenize.sh. It lives in its own module so that the main
// go.mod does not depend on sugarme/tokenizer.
//
// Usage:
//
//	bench -write-corpus OUT.jsonl -pubtator FILE   # corpus: one {"text","words"} per title/abstract
//	bench -corpus FILE.jsonl -seconds 3 NAME=TOKENIZER_JSON ...
//
// Each measurement prints one JSON line:
// {"tokenizer":NAME,"impl":"go"|"sugarme","mode":"text"|"words","tokens_per_s":...}
// "words" encodes each text's words (GLiNER's word splitter) as pre-split
// words; a sugarme failure (error or panic) is reported with "error".
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/gliner-go/gliner/tokenize"
	sugar "github.com/sugarme/tokenizer"
	"github.com/sugarme/tokenizer/pretrained"
)

type record struct {
	Text  string   `json:"text"`
	Words []string `json:"words"`
}

func main() {
	writeCorpus := flag.String("write-corpus", "", "write the corpus built from -pubtator to this file and exit")
	pubtator := flag.String("pubtator", "", "PubTator file (titles and abstracts) for -write-corpus")
	corpus := flag.String("corpus", "", "corpus JSONL")
	seconds := flag.Float64("seconds", 3, "minimum duration of each measurement")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	if *writeCorpus != "" {
		if err := buildCorpus(*pubtator, *writeCorpus); err != nil {
			fatal(err)
		}
		return
	}
	recs, err := readCorpus(*corpus)
	if err != nil {
		fatal(err)
	}
	for _, arg := range flag.Args() {
		name, path, ok := strings.Cut(arg, "=")
		if !ok {
			fatal(fmt.Errorf("argument %q is not NAME=PATH", arg))
		}
		benchGo(name, path, recs, *seconds)
		benchSugarme(name, path, recs, *seconds)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func buildCorpus(pubtator, out string) error {
	data, err := os.ReadFile(pubtator)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.Contains(line, "\t") {
			continue
		}
		_, text, ok := strings.Cut(line, "|t|")
		if !ok {
			_, text, ok = strings.Cut(line, "|a|")
		}
		if !ok {
			continue
		}
		words := []string{}
		for _, wd := range tokenize.SplitWords(nil, text) {
			words = append(words, text[wd.Start:wd.End])
		}
		b, _ := json.Marshal(record{Text: text, Words: words})
		w.Write(append(b, '\n'))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func readCorpus(path string) ([]record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var recs []record
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// measure runs pass (which returns the number of tokens) once to warm up,
// then repeatedly for at least seconds, and returns tokens per second. A
// warm-up pass longer than seconds is taken as the measurement.
func measure(seconds float64, pass func() int) float64 {
	start := time.Now()
	tokens := pass()
	if d := time.Since(start).Seconds(); d >= seconds {
		return float64(tokens) / d // one slow pass is the measurement
	}
	start = time.Now()
	runs := 0
	for time.Since(start).Seconds() < seconds {
		pass()
		runs++
	}
	return float64(tokens*runs) / time.Since(start).Seconds()
}

func report(name, impl, mode string, tps float64, err error) {
	m := map[string]any{"tokenizer": name, "impl": impl, "mode": mode, "tokens_per_s": tps}
	if err != nil {
		m["error"] = err.Error()
	}
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
}

func benchGo(name, path string, recs []record, seconds float64) {
	p, err := tokenize.NewFromFile(path)
	if err != nil {
		report(name, "go", "text", 0, err)
		return
	}
	var e tokenize.Encoding
	report(name, "go", "text", measure(seconds, func() int {
		n := 0
		for _, r := range recs {
			p.EncodeTo(&e, r.Text, true)
			n += e.Len()
		}
		return n
	}), nil)
	report(name, "go", "words", measure(seconds, func() int {
		n := 0
		for _, r := range recs {
			p.EncodeWordsTo(&e, r.Words, true)
			n += e.Len()
		}
		return n
	}), nil)
}

func benchSugarme(name, path string, recs []record, seconds float64) {
	tk, err := pretrained.FromFile(path)
	if err != nil {
		report(name, "sugarme", "text", 0, err)
		return
	}
	for _, mode := range []string{"text", "words"} {
		tps, err := safeMeasure(seconds, func() (int, error) {
			n := 0
			for _, r := range recs {
				var in sugar.EncodeInput
				if mode == "text" {
					in = sugar.NewSingleEncodeInput(sugar.NewInputSequence(r.Text))
				} else {
					in = sugar.NewSingleEncodeInput(sugar.NewInputSequence(r.Words))
				}
				enc, err := tk.Encode(in, true)
				if err != nil {
					return 0, err
				}
				n += enc.Len()
			}
			return n, nil
		})
		report(name, "sugarme", mode, tps, err)
	}
}

// safeMeasure is measure for a pass that may fail or panic.
func safeMeasure(seconds float64, pass func() (int, error)) (tps float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	var passErr error
	tps = measure(seconds, func() int {
		if passErr != nil {
			return 0
		}
		n, err := pass()
		if err != nil {
			passErr = err
		}
		return n
	})
	return tps, passErr
}
