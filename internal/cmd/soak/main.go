// Command soak runs many extractions on one model from several goroutines,
// with an HTTP server on the same model under a bounded loopback load, and
// reports the process's resident memory, goroutines and open file
// descriptors at regular checkpoints. It fails when they grow beyond the
// bounds of [bounds] between the first checkpoint and the last.
//
//	go run ./internal/cmd/soak -n 1000000 -every 100000
//
// make soak runs it on the span-bert fixture; TestSoakShort runs 20,000
// extractions in the normal test suite.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/gliner"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config{}
	fs.StringVar(&cfg.model, "model", filepath.Join("testdata", "models", "span-bert"), "model folder")
	fs.IntVar(&cfg.n, "n", 1_000_000, "extractions")
	fs.IntVar(&cfg.every, "every", 100_000, "extractions between checkpoints")
	fs.IntVar(&cfg.workers, "workers", 8, "goroutines extracting")
	fs.IntVar(&cfg.clients, "clients", 2, "HTTP clients posting to the server meanwhile (0: no server)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := cfg.check(); err != nil {
		fmt.Fprintln(stderr, "soak:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := soakModel(ctx, cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "soak:", err)
		return 1
	}
	return 0
}

// soakModel opens the model with one intra-op thread per session (8
// goroutines share 2 cores), soaks it and closes it.
func soakModel(ctx context.Context, cfg config, out io.Writer) ([]sample, error) {
	m, err := gliner.Open(cfg.model,
		gliner.WithLogger(slog.New(slog.DiscardHandler)),
		gliner.WithEncoderOptions(encoder.WithIntraOpThreads(1)))
	if err != nil {
		return nil, err
	}
	samples, err := soak(ctx, cfg, m, out)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return samples, err
}
