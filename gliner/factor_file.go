package gliner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/gliner-go/gliner/internal/spanhead"
)

// Where the factorised kernel's rewritten graph lives while ONNX Runtime
// loads it. The graph is as large as the model, so it is written to a file
// and loaded from there, never held in memory beside ONNX Runtime's copy of
// the weights: Open's peak memory stays that of the parsed model. With
// [WithSpanKernelCache] the file is kept, named by the source's SHA-256, and
// later Opens of the same model load it without parsing the source again;
// a source whose head is not recognised leaves a small note there instead,
// so that it is not parsed again either.

// WithSpanKernelCache keeps the graphs that the factorised span kernel
// rewrites (see [WithSpanKernel]) in dir, named by the SHA-256 of the
// model's ONNX file, so that later Opens of the same model skip the parse
// and rewrite of the graph. A cached graph is still checked against the
// full graph at every Open, and written again if it fails. The default is
// no cache: the rewritten graph is written to a temporary file, loaded and
// removed. gliner's CLI uses os.UserCacheDir()/gliner/spanhead.
func WithSpanKernelCache(dir string) Option { return func(c *openConfig) { c.kernelCache = dir } }

// rewriteVersion names the rewrite in cache file names: a change of
// internal/spanhead's output changes it, so that older files are not used.
const rewriteVersion = "spanhead1"

// rewrittenGraph is the rewritten graph of a model's ONNX file, in a file.
type rewrittenGraph struct {
	path   string
	cached bool   // path is a cache entry that existed before this Open
	temp   bool   // path is a temporary file, removed by done
	entry  string // the cache entry's path without extension; "" = no cache
}

// done removes a temporary file.
func (r *rewrittenGraph) done() {
	if r.temp {
		os.Remove(r.path)
	}
}

// drop removes a cache entry found to be unusable. An entry written for
// this Open is replaced by a note of the reason: rewriting the same source
// again would give the same graph.
func (r *rewrittenGraph) drop(reason error) {
	if r.entry == "" {
		return
	}
	os.Remove(r.path)
	if !r.cached {
		_ = writeFileAtomic(r.entry+".none", []byte("not verified: "+reason.Error()))
	}
}

// rewriteGraph recognises and rewrites the span head of the graph at src
// and returns the file holding the rewritten graph: a cache entry when a
// cache folder is set (reused when present, unless fresh is set), else a
// temporary file.
func rewriteGraph(cacheDir, src string, fresh bool) (*rewrittenGraph, error) {
	if cacheDir == "" {
		return writeRewritten(src, "", "")
	}
	sum, err := fileSHA256(src)
	if err != nil {
		return nil, err
	}
	entry := filepath.Join(cacheDir, sum+"-"+rewriteVersion)
	if !fresh {
		if _, err := os.Stat(entry + ".onnx"); err == nil {
			return &rewrittenGraph{path: entry + ".onnx", cached: true, entry: entry}, nil
		}
		if note, err := os.ReadFile(entry + ".none"); err == nil {
			return nil, &spanhead.NotRecognisedError{Reason: string(note) + " (noted in the span kernel cache)"}
		}
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	return writeRewritten(src, cacheDir, entry)
}

// writeRewritten rewrites src into a new file in dir (the temporary folder
// when dir is ""), renamed to entry+".onnx" when entry is set. A head that
// is not recognised is noted in entry+".none".
func writeRewritten(src, dir, entry string) (*rewrittenGraph, error) {
	head, err := spanhead.RecogniseFile(src)
	var nr *spanhead.NotRecognisedError
	if errors.As(err, &nr) && entry != "" {
		_ = writeFileAtomic(entry+".none", []byte(nr.Reason))
	}
	if err != nil {
		return nil, err
	}
	return writeGraph(head, dir, entry)
}

// writeGraph writes a rewritten model (a *spanhead.Head or
// *spanhead.RepsHead, which releases the parsed model as it writes) into a
// new file in dir (the temporary folder when dir is ""), renamed to
// entry+".onnx" when entry is set, and returns the memory the parsed model
// held to the operating system before ONNX Runtime loads the file.
func writeGraph(g io.WriterTo, dir, entry string) (*rewrittenGraph, error) {
	f, err := os.CreateTemp(dir, "gliner-spanhead-*.onnx")
	if err != nil {
		return nil, err
	}
	_, err = g.WriteTo(f)
	debug.FreeOSMemory() // the parsed model, as large as the model
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && entry != "" {
		err = os.Rename(f.Name(), entry+".onnx")
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("writing the rewritten graph: %w", err)
	}
	if entry != "" {
		return &rewrittenGraph{path: entry + ".onnx", entry: entry}, nil
	}
	return &rewrittenGraph{path: f.Name(), temp: true}, nil
}
