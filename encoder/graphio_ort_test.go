//go:build cgo

package encoder

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// TestReadGraphIOMatchesORT compares encoder's own reading of every .onnx
// file in the repository with what ONNX Runtime reports for it.
func TestReadGraphIOMatchesORT(t *testing.T) {
	requireRuntime(t)
	var files []string
	roots := []string{"testdata"}
	if root := testenv.RepoRoot(); root != "" {
		roots = append(roots, filepath.Join(root, "testdata"), filepath.Join(root, "gliner", "testdata"))
	}
	for _, dir := range roots {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".onnx") {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) < 3 {
		t.Fatalf("found only %v", files)
	}
	for _, p := range files {
		t.Run(p, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			wantIn, wantOut, err := ortGraphInfo(p, nil)
			if err != nil {
				t.Skipf("ONNX Runtime cannot read it: %v", err)
			}
			for _, src := range []string{"file", "bytes"} {
				var ins, outs []TensorInfo
				if src == "file" {
					ins, outs, err = readModelIO(p, nil)
				} else {
					ins, outs, err = readModelIO("", data)
				}
				if err != nil {
					t.Fatalf("%s: %v", src, err)
				}
				if got, want := fmt.Sprint(ins), fmt.Sprint(wantIn); got != want {
					t.Errorf("%s inputs\n got %s\nwant %s (ONNX Runtime)", src, got, want)
				}
				// ONNX Runtime reports output shapes after its shape
				// inference, which can fix a dimension the file declares
				// symbolic (e.g. the 3 of a token-level model's logits);
				// the file's declaration is what readModelIO returns.
				if !sameOutputs(outs, wantOut) {
					t.Errorf("%s outputs\n got %v\nwant %v (ONNX Runtime)", src, outs, wantOut)
				}
			}
		})
	}
}

// sameOutputs reports whether the declared outputs equal ONNX Runtime's,
// allowing a dimension declared dynamic (-1) where ONNX Runtime inferred a
// size.
func sameOutputs(got, want []TensorInfo) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Type != w.Type || len(g.Shape) != len(w.Shape) {
			return false
		}
		for d := range g.Shape {
			if g.Shape[d] != w.Shape[d] && g.Shape[d] != -1 {
				return false
			}
		}
	}
	return true
}
