package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gliner-go/gliner/internal/hub"
)

func init() {
	register(command{name: "pull", summary: "download a model from the Hugging Face hub into the cache", run: runPull})
}

const pullHelp = `usage: gliner pull REPO [flags]

Downloads the files of a GLiNER model (gliner_config.json, the tokenizer
files and one ONNX variant) from the Hugging Face hub into the cache the
Hugging Face tools share ($HF_HUB_CACHE, else $HF_HOME/hub, else
~/.cache/huggingface/hub), resuming interrupted downloads and checking every
file against the hub's sha256 / git hashes. Prints the snapshot folder on
stdout. Afterwards --model hf:REPO (or the printed folder) works offline.

Environment: HF_ENDPOINT (a mirror; default https://huggingface.co),
HF_TOKEN (gated or private repositories), HF_HUB_OFFLINE=1 (cache only).

Examples:
  gliner pull onnx-community/gliner_small-v2.1
  gliner pull onnx-community/gliner_small-v2.1 --variant int8 --dir ./gliner-small-int8
  gliner pull Ihor/gliner-biomed-small-v1.0 --revision main
  HF_ENDPOINT=https://hf-mirror.com gliner pull onnx-community/gliner_medium-v2.1

Flags:
`

func runPull(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("pull", pullHelp, stderr)
	rev := fs.String("revision", "main", "branch, tag or commit")
	dir := fs.String("dir", "", "also copy the files into this folder (a plain model folder for --model DIR)")
	variant := fs.String("variant", "fp32", "ONNX variant: fp32, fp16, int8, uint8, quantized, q4, q4f16 or bnb4 (only that graph is fetched)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(stderr, "pull", "want exactly one repository (owner/name), got %d arguments", len(pos))
	}
	ref, err := hub.ParseRef(pos[0])
	if err != nil {
		return usageError(stderr, "pull", "%v", err)
	}
	if *rev != "" && *rev != "main" {
		ref.Revision = *rev
	}
	v, err := hub.ParseVariant(*variant)
	if err != nil {
		return usageError(stderr, "pull", "%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := hub.NewClient()
	c.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	snap, err := c.Download(ctx, ref, v)
	if err != nil {
		return runtimeError(stderr, "pull", err)
	}
	source := fmt.Sprintf("downloaded %s", humanBytes(snap.Fetched))
	if snap.FromCache {
		source = "from the cache (offline)"
	}
	fmt.Fprintf(stderr, "gliner pull: %s@%s (commit %s, %s): %d files, %s\n", ref.Repo, ref.Revision, snap.Commit, v, len(snap.Files), source)
	out := snap.Dir
	if *dir != "" {
		if err := snap.CopyTo(*dir); err != nil {
			return runtimeError(stderr, "pull", err)
		}
		out = *dir
	}
	fmt.Fprintln(stdout, out)
	return exitOK
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
