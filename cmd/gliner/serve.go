package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gliner-go/gliner/gliner"

	"github.com/gliner-go/gliner/internal/server"
)

func init() {
	register(command{name: "serve", summary: "serve a model over HTTP (JSON API, health, Prometheus metrics)", run: runServe})
}

const serveHelp = `usage: gliner serve [flags]

Serves a model over HTTP until SIGTERM or SIGINT, then stops accepting
connections and lets the requests in flight finish.

  POST /v1/extract  {"text": "...", "labels": ["disease"], "threshold": 0.5,
                     "nested": false, "multi_label": false,
                     "label_thresholds": {"disease": 0.3}, "offsets": "runes",
                     "long_texts": "chunk"}
                    → {"entities": [{"start","end","text","label","score"}],
                       "windows": 1, "label_groups": 1, "chunked": false, ...}
                    ("texts": [...] instead of "text" → {"results": [{"entities": [...]}, ...]})
  GET  /healthz     → {"status": "ok"}
  GET  /metrics     → Prometheus text format

start/end are in the unit "offsets" names: runes (code points, the
default), bytes or utf16, as gliner extract --offsets. "long_texts" is
chunk, truncate or error, as --long-texts (whose value is the default);
the keys after "entities" say how the text was run, as in gliner extract's
output (each left out when zero or false). Repeated labels are
dropped, keeping the first. Errors are {"error": "..."}: 400 bad request
(malformed JSON, no labels, too many labels or texts, a threshold
outside [0, 1], a label or text the model rejects), 413 body too large, 429 all --concurrency slots busy (answered at
once, with Retry-After: 1), 504 --timeout expired.

Examples:
  gliner serve --model ./gliner_small-v2.1
  gliner serve --model hf:onnx-community/gliner_small-v2.1 --addr 0.0.0.0:8080 --concurrency 2
  curl -s localhost:8080/v1/extract -d '{"text":"Aspirin may cause Reye syndrome.","labels":["drug","disease"]}'
      (the built-in model answers drug "Aspirin" 0.98 and disease "Reye syndrome" 0.87)

Flags:
`

func runServe(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", serveHelp, stderr)
	model := addModelFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	fs.IntVar(&model.batch, "batch", gliner.DefaultBatchSize, "texts per model call (a request's texts are split into calls of this size)")
	var cfg server.Config
	fs.Int64Var(&cfg.MaxBody, "max-body", 1<<20, "largest request body in bytes (413 above)")
	fs.IntVar(&cfg.MaxLabels, "max-labels", 64, "most labels per request (400 above)")
	fs.IntVar(&cfg.MaxTexts, "max-texts", 64, "most texts per request (400 above)")
	fs.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "time limit per request (504 after)")
	longTexts := fs.String("long-texts", "chunk", longTextsUsage+` (a request's "long_texts" overrides it)`)
	fs.IntVar(&cfg.Concurrency, "concurrency", 4, "extractions running at once (429 when all are busy)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 60*time.Second, "how long to wait for requests in flight at shutdown")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(stderr, "serve", "unexpected arguments %q", pos)
	}
	var err error
	if cfg.LongTexts, err = parseLongTexts(*longTexts); err != nil {
		return usageError(stderr, "serve", "%v", err)
	}
	if model.batch < 1 || cfg.MaxBody < 1 || cfg.MaxLabels < 1 || cfg.MaxTexts < 1 || cfg.Timeout <= 0 || cfg.Concurrency < 1 || cfg.ShutdownTimeout <= 0 {
		return usageError(stderr, "serve", "limits, timeouts, --batch and --concurrency must be positive")
	}
	logOut = stderr
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	// Catch the signals before anything can take long, so that SIGTERM
	// during model loading is handled too.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m, err := openExtractor(*model)
	if err != nil {
		return runtimeError(stderr, "serve", err)
	}
	defer m.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return runtimeError(stderr, "serve", err)
	}
	fmt.Fprintf(stderr, "gliner serve: listening on http://%s\n", ln.Addr())
	if err := server.New(m, cfg).Serve(ctx, ln); err != nil {
		return runtimeError(stderr, "serve", err)
	}
	fmt.Fprintln(stderr, "gliner serve: stopped")
	return exitOK
}
