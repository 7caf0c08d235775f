package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gliner-go/gliner/encoder"
)

func init() {
	register(command{name: "setup", summary: "install the pinned ONNX Runtime library for this user", run: runSetup})
}

const setupHelp = `usage: gliner setup [--from URL|FILE] [--dir DIR]

Downloads ONNX Runtime ` + encoder.PinnedRuntimeVersion + ` for this OS and architecture (from the npm
package onnxruntime-node, about 113 MB), checks it against the sha256 sums
pinned in gliner, and installs the shared library into the per-user cache,
where gliner and every program using the library find it without any
environment variable. An interrupted download resumes on the next run;
nothing is installed unless every check passes. Prints the library's path on
stdout. Running it again when the library is in place downloads nothing.

Examples:
  gliner setup
  gliner setup --from ./onnxruntime-node-` + encoder.PinnedRuntimeVersion + `.tgz
  gliner setup --from https://mirror.example/onnxruntime-node-` + encoder.PinnedRuntimeVersion + `.tgz
  gliner setup --dir ./lib     (then ship ./lib/* beside your program, or set ` + encoder.LibraryPathEnv + `)

Flags:
`

func runSetup(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("setup", setupHelp, stderr)
	from := fs.String("from", "", "take the onnxruntime-node tarball from this URL (a mirror) or file instead of the npm registry")
	dir := fs.String("dir", "", "install into this folder instead of the per-user cache")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		return usageError(stderr, "setup", "unexpected argument %q", pos[0])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := []encoder.InstallOption{encoder.InstallLog(prefixWriter{stderr, "gliner setup: "})}
	if *from != "" {
		opts = append(opts, encoder.InstallFrom(*from))
	}
	path, err := encoder.Install(ctx, *dir, opts...)
	if err != nil {
		return runtimeError(stderr, "setup", err)
	}
	fmt.Fprintln(stdout, path)
	return exitOK
}

// prefixWriter writes each message with a prefix (messages are whole lines).
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, p.prefix); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}
