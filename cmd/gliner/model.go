package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/hub"
	"golang.org/x/term"
)

// modelUsage documents --model in every subcommand.
const modelUsage = `model: a model folder, "hf:owner/name[@revision]" (downloaded into the Hugging Face cache on first use; HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE apply), or empty for the built-in model`

// hfPrefix marks a --model value that names a Hugging Face repository.
const hfPrefix = "hf:"

// addModelFlag registers --model on a subcommand's flag set.
func addModelFlag(fs *flag.FlagSet) *string {
	return fs.String("model", "", modelUsage)
}

// logOut receives the messages of model resolution (downloads, offline
// fallback); the subcommands point it at their stderr.
var logOut io.Writer = os.Stderr

// openModel opens the model named by spec: "" is the built-in model
// ([gliner.OpenDefault]); "hf:owner/name[@rev]" is fetched into the Hugging
// Face cache on first use (see [resolveModelDir]) and opened from the
// snapshot; anything else is a model folder.
func openModel(spec string, opts ...gliner.Option) (*gliner.Model, error) {
	if spec == "" {
		return gliner.OpenDefault(opts...)
	}
	dir, err := resolveModelDir(context.Background(), spec)
	if err != nil {
		return nil, err
	}
	return gliner.Open(dir, opts...)
}

// resolveModelDir returns the folder of a model spec. For "hf:" specs a
// cached snapshot of the revision is used as is, without network access;
// otherwise the fp32 model is downloaded first (gliner pull fetches other
// variants).
func resolveModelDir(ctx context.Context, spec string) (string, error) {
	repo, ok := strings.CutPrefix(spec, hfPrefix)
	if !ok {
		return spec, nil
	}
	ref, err := hub.ParseRef(repo)
	if err != nil {
		return "", err
	}
	c := hub.NewClient()
	c.Logf = func(format string, args ...any) { fmt.Fprintf(logOut, format+"\n", args...) }
	if snap, err := c.Cached(ref, hub.FP32); err == nil {
		return snap.Dir, nil
	}
	fmt.Fprintf(logOut, "gliner: downloading %s@%s from %s into %s\n", ref.Repo, ref.Revision, c.Endpoint, c.Cache)
	snap, err := c.Download(ctx, ref, hub.FP32)
	if err != nil {
		return "", err
	}
	return snap.Dir, nil
}

// extractorModel is what eval and serve use of a model.
type extractorModel interface {
	ExtractBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([][]gliner.Entity, error)
	Close() error
}

// openExtractor opens a model for eval and serve; tests replace it.
var openExtractor = func(spec string) (extractorModel, error) {
	m, err := openModel(spec)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// parseFlags parses flags and positional arguments in any order. It
// returns the exit code to use when parsing fails or help was asked for.
func parseFlags(fs *flag.FlagSet, args []string) (positional []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, exitOK, true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// usageError prints a usage error and returns the usage exit code.
func usageError(stderr io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(stderr, "gliner %s: %s\nRun 'gliner %s --help' for usage.\n", cmd, fmt.Sprintf(format, args...), cmd)
	return exitUsage
}

// runtimeError prints a runtime error and returns the runtime exit code.
func runtimeError(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "gliner %s: %v\n", cmd, err)
	return exitRuntime
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
