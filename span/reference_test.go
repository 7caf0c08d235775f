package span

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// refCase is one decoding case handed to the Python references.
type refCase struct {
	Token      bool      `json:"token"` // token-level [1, W, C, 3]; else span [W, K, C]
	W, K, C, N int       `json:"-"`
	Dims       []int     `json:"dims"`
	Words      int       `json:"n"`
	Thresholds []float64 `json:"thr"`
	Flat       bool      `json:"flat"`
	Multi      bool      `json:"multi"`
	Logits     []float32 `json:"logits"`
}

// refScript decodes the cases with the repository's independent Python
// reference (tools/reference/gliner_ref.py) for span models, and for
// token-level models with a transcription of GLiNER's TokenDecoder that
// keeps its torch calls (permute to [3, B, W, C], sigmoid on the strided
// planes, torch.where, the nested start/end loops, min score), restricted
// to the text's words and labels.
const refScript = `
import sys, json, numpy as np, torch
sys.path.insert(0, sys.argv[3])
import gliner_ref as R
torch.set_num_threads(1)

def token_decode(logits, n, thr, flat, multi):
    thr_t = torch.tensor(thr, dtype=torch.float32)
    C = len(thr)
    start, end, inside = torch.from_numpy(logits).permute(3, 0, 1, 2)
    ps, pe, pi = torch.sigmoid(start[0])[:, :C], torch.sigmoid(end[0])[:, :C], torch.sigmoid(inside[0])[:, :C]
    starts = [(p, c) for p, c in zip(*[k.tolist() for k in torch.where(ps > thr_t)]) if p < n and c < C]
    ends = [(p, c) for p, c in zip(*[k.tolist() for k in torch.where(pe > thr_t)]) if p < n and c < C]
    spans = []
    for st, c in starts:
        for ed, c2 in ends:
            if ed >= st and c == c2:
                ins = pi[st:ed + 1, c]
                if (ins < thr_t[c]).any():
                    continue
                score = torch.cat([ins, ps[st, c].unsqueeze(0), pe[ed, c].unsqueeze(0)]).min().item()
                spans.append(R.Span(st, ed, c, score))
    return R.greedy_search(spans, flat, multi)

out = []
for case in json.load(open(sys.argv[1])):
    logits = np.array(case["logits"], dtype=np.float32).reshape(case["dims"])
    labels = ["l%d" % i for i in range(len(case["thr"]))]
    if case["token"]:
        spans = token_decode(logits, case["n"], case["thr"], case["flat"], case["multi"])
    else:
        spans = R.decode_span_item(logits, case["n"], labels, dict(zip(labels, case["thr"])), case["flat"], case["multi"])
    out.append([[s.start, s.end, s.cls, s.score] for s in spans])
json.dump(out, open(sys.argv[2], "w"))
`

// TestDecodeAgainstPythonReference decodes random logits (with ties) with
// DecodeSpans / DecodeTokens and with the Python references, and requires
// identical spans and bit-identical scores.
func TestDecodeAgainstPythonReference(t *testing.T) {
	py := testenv.Python(t, "torch", "numpy")
	refDir := filepath.Join(testenv.RepoRoot(), "tools", "reference")
	if _, err := os.Stat(filepath.Join(refDir, "gliner_ref.py")); err != nil {
		testenv.Missing(t, "tools/reference/gliner_ref.py not found")
	}
	r := rand.New(rand.NewPCG(41, 42))
	var cases []refCase
	for i := range 400 {
		c := refCase{Token: i%2 == 1, W: 1 + r.IntN(20), K: 1 + r.IntN(12), C: 1 + r.IntN(5)}
		c.Words = r.IntN(c.W + 1)
		o := randomOptions(r, c.C)
		c.Thresholds, c.Flat, c.Multi = o.Thresholds, !o.Nested, o.MultiLabel
		if c.Token {
			c.Dims = []int{1, c.W, c.C, 3}
			c.Logits = randomLogits(r, c.W*c.C*3, i%4 == 1)
			for j := range c.Logits {
				c.Logits[j] += 1.5
			}
		} else {
			c.Dims = []int{c.W, c.K, c.C}
			c.Logits = randomLogits(r, c.W*c.K*c.C, i%4 == 0)
		}
		cases = append(cases, c)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "cases.json"), filepath.Join(dir, "spans.json")
	b, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	runPython(t, py, refScript, in, out, refDir)
	var want [][][4]float64
	b, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	var d Decoder
	var got []Span
	for i, c := range cases {
		opts := Options{Thresholds: c.Thresholds, Nested: !c.Flat, MultiLabel: c.Multi}
		if c.Token {
			got = d.DecodeTokens(got[:0], c.Logits, LayoutPositionLast, c.Words, c.C, opts)
		} else {
			got = d.DecodeSpans(got[:0], c.Logits, c.Words, c.K, c.C, opts)
		}
		var w []Span
		for _, s := range want[i] {
			w = append(w, Span{int(s[0]), int(s[1]), int(s[2]), float32(s[3])})
		}
		if !slices.Equal(got, w) {
			t.Fatalf("case %d (token=%v W=%d K=%d C=%d n=%d %+v):\ngo     %v\npython %v", i, c.Token, c.W, c.K, c.C, c.Words, opts, got, w)
		}
	}
}
