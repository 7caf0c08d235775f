package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/hub"
	"golang.org/x/term"
)

// modelUsage documents --model in every subcommand.
const modelUsage = `model: a model folder, "hf:owner/name[@revision]" (downloaded into the Hugging Face cache on first use; HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE apply), or empty for the built-in model`

// hfPrefix marks a --model value that names a Hugging Face repository.
const hfPrefix = "hf:"

// variantUsage documents --variant in every subcommand that opens a model.
const variantUsage = `ONNX variant: fp32 (model.onnx) or fp16, int8, uint8, quantized, q4, q4f16, bnb4 (model_<variant>.onnx, at the top of the folder or under onnx/); with hf: models, the only graph downloaded`

// spanKernelUsage documents --span-kernel in every subcommand that opens a
// model.
const spanKernelUsage = `span logits of span models: auto (the factorised kernel when the span head is recognised and verified, else the graph), factorised (fail if not possible) or graph (default auto)`

// modelFlags are --model, --variant and --span-kernel, and the --batch of
// the subcommands that have one.
type modelFlags struct {
	model, variant string
	spanKernel     gliner.SpanKernel
	kernelCache    string // --span-kernel-cache; "" = none
	batch          int    // texts per model call; 0 = the library's default
}

// addModelFlags registers --model, --variant and --span-kernel on a
// subcommand's flag set.
func addModelFlags(fs *flag.FlagSet) *modelFlags {
	f := &modelFlags{}
	fs.StringVar(&f.model, "model", "", modelUsage)
	fs.StringVar(&f.variant, "variant", "fp32", variantUsage)
	fs.Func("span-kernel", spanKernelUsage, func(s string) (err error) {
		f.spanKernel, err = gliner.ParseSpanKernel(s)
		return err
	})
	fs.StringVar(&f.kernelCache, "span-kernel-cache", defaultCacheDir("spanhead"), spanKernelCacheUsage)
	return f
}

// spanKernelCacheUsage documents --span-kernel-cache.
const spanKernelCacheUsage = `folder keeping the graphs the factorised span kernel rewrites, named by the model file's SHA-256, so that later runs load them directly ("" = none: a temporary file per run)`

// defaultCacheDir returns os.UserCacheDir()/gliner/name, or "" when there
// is no user cache folder.
func defaultCacheDir(name string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "gliner", name)
}

// logOut receives the messages of model resolution (downloads, offline
// fallback); the subcommands point it at their stderr.
var logOut io.Writer = os.Stderr

// errBuiltinVariant reports a --variant other than fp32 for the built-in model.
var errBuiltinVariant = errors.New("the built-in model has only the fp32 variant")

// openModel opens the model named by f: model "" is the built-in model
// ([gliner.OpenDefault]); "hf:owner/name[@rev]" is fetched into the Hugging
// Face cache on first use (see [resolveModelDir]) and opened from the
// snapshot; anything else is a model folder. variant picks the ONNX file,
// spanKernel the span kernel ([gliner.WithSpanKernel]).
func openModel(f modelFlags, opts ...gliner.Option) (*gliner.Model, error) {
	opts = append([]gliner.Option{gliner.WithSpanKernel(f.spanKernel), gliner.WithSpanKernelCache(f.kernelCache)}, opts...)
	fp32 := f.variant == "" || strings.EqualFold(f.variant, "fp32")
	if f.model == "" {
		if !fp32 {
			return nil, fmt.Errorf("%w, not %q", errBuiltinVariant, f.variant)
		}
		return gliner.OpenDefault(opts...)
	}
	if !strings.HasPrefix(f.model, hfPrefix) {
		if !fp32 {
			opts = append(opts, gliner.WithVariant(strings.ToLower(f.variant)))
		}
		return gliner.Open(f.model, opts...)
	}
	v, err := hub.ParseVariant(f.variant)
	if err != nil {
		return nil, err
	}
	snap, err := resolveModelDir(context.Background(), f.model, v)
	if err != nil {
		return nil, err
	}
	if file := snap.ONNXFile(); file != "" {
		opts = append(opts, gliner.WithONNXFile(file))
	}
	return gliner.Open(snap.Dir, opts...)
}

// resolveModelDir returns the snapshot of an "hf:" model spec holding the
// variant. A cached snapshot of the revision is used as is, without network
// access; otherwise the files are downloaded first.
func resolveModelDir(ctx context.Context, spec string, v hub.Variant) (*hub.Snapshot, error) {
	repo, ok := strings.CutPrefix(spec, hfPrefix)
	if !ok {
		return nil, fmt.Errorf("model %q does not start with %q", spec, hfPrefix)
	}
	ref, err := hub.ParseRef(repo)
	if err != nil {
		return nil, err
	}
	c := hub.NewClient()
	c.Logf = func(format string, args ...any) { fmt.Fprintf(logOut, format+"\n", args...) }
	if snap, err := c.Cached(ref, v); err == nil {
		return snap, nil
	}
	fmt.Fprintf(logOut, "gliner: downloading %s@%s (%s) from %s into %s\n", ref.Repo, ref.Revision, v, c.Endpoint, c.Cache)
	return c.Download(ctx, ref, v)
}

// extractorModel is what eval and serve use of a model.
type extractorModel interface {
	ExtractBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([][]gliner.Entity, error)
	Close() error
}

// openExtractor opens a model for eval and serve with f.batch texts per
// model call; tests replace it.
var openExtractor = func(f modelFlags) (extractorModel, error) {
	m, err := openModel(f, batchOptions(f)...)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// batchOptions gives the model f.batch texts per call, if set.
func batchOptions(f modelFlags) []gliner.Option {
	if f.batch <= 0 {
		return nil
	}
	return []gliner.Option{gliner.WithBatchSize(f.batch)}
}

// newFlagSet returns the flag set of a subcommand: errors and the usage
// (help, then the flags) go to stderr.
func newFlagSet(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, help); fs.PrintDefaults() }
	return fs
}

// parseFlags is the flag parser of every subcommand: it parses flags and
// positional arguments in any order ("gliner extract notes.txt --labels x"),
// keeps "-" (stdin) as a positional argument and takes everything after
// "--" as positional. It returns the exit code to use when parsing fails or
// help was asked for.
func parseFlags(fs *flag.FlagSet, args []string) (positional []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), exitOK, true
		}
		if len(rest) == 0 {
			return positional, exitOK, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError prints a usage error and returns the usage exit code.
func usageError(stderr io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(stderr, "gliner %s: %s\nRun 'gliner %s --help' for usage.\n", cmd, fmt.Sprintf(format, args...), cmd)
	return exitUsage
}

// runtimeError prints a runtime error, naming each layer once (see
// [errorText]), and returns the runtime exit code.
func runtimeError(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "gliner %s: %s\n", cmd, errorText(err))
	return exitRuntime
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
