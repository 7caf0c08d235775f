package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gliner-go/gliner/gliner"
)

// config is what a soak run does.
type config struct {
	model                      string
	n, every, workers, clients int
}

func (c config) check() error {
	if c.n < 1 || c.every < 1 || c.workers < 1 || c.clients < 0 || c.n < 2*c.every {
		return errors.New("want -n >= 2 * -every >= 2, -workers >= 1 and -clients >= 0")
	}
	return nil
}

// texts are the mixed inputs, taken in turn: ordinary biomedical sentences,
// empty and blank text, a text longer than max_len words (truncated),
// non-Latin scripts, invalid UTF-8, control characters and NUL.
var texts = []string{
	"BRCA1 mutations increase the risk of breast cancer and ovarian cancer.",
	"Aspirin can cause Reye syndrome in children with influenza.",
	"",
	"   \t\n ",
	strings.Repeat("The APC gene is mutated in familial adenomatous polyposis. ", 80),
	"Naïve T cells, µ-opioid receptors and 東京 patients with 2p13-p16 deletions.",
	"Cisplatin\xff\xfe nephrotoxicity \x00 in \x01\x1b[0m lung cancer\u2028patients.",
	"Tamoxifen",
	"Mutations in CFTR cause cystic fibrosis; ivacaftor treats some of them.",
}

// labelSets are the label lists, taken in turn.
var labelSets = [][]string{
	{"disease"},
	{"disease", "chemical", "gene"},
	{"gene or gene product", "drug", "person", "location", "cell type"},
	{"chemical", "chemical"}, // a repeat is dropped
}

// soak runs cfg.n extractions on m from cfg.workers goroutines while the
// server takes loopback requests, sampling at every checkpoint, then checks
// the bounds.
func soak(ctx context.Context, cfg config, m *gliner.Model, out io.Writer) ([]sample, error) {
	fmt.Fprintln(out, sampleHeader)
	samples := []sample{takeSample(0, 0, 0)}
	fmt.Fprintln(out, samples[0])
	ld, err := startLoad(m, cfg.clients)
	if err != nil {
		return nil, err
	}
	var (
		next  atomic.Int64
		mu    sync.Mutex
		start = time.Now()
	)
	checkpoint := func(done int) {
		s := takeSample(done, time.Since(start), ld.requests())
		mu.Lock()
		defer mu.Unlock()
		samples = append(samples, s)
		fmt.Fprintln(out, s)
	}
	ctx, cancel := context.WithCancel(ctx) // the first failure stops the others
	defer cancel()
	errc := make(chan error, cfg.workers)
	var wg sync.WaitGroup
	for range cfg.workers {
		wg.Go(func() {
			err := work(ctx, m, cfg, &next, checkpoint)
			if err != nil {
				cancel()
			}
			errc <- err
		})
	}
	wg.Wait()
	close(errc)
	lerr := ld.stop()
	for err := range errc {
		if err != nil && !errors.Is(err, context.Canceled) {
			return samples, err
		}
	}
	if err := ctx.Err(); err != nil {
		return samples, err
	}
	if lerr != nil {
		return samples, lerr
	}
	fmt.Fprintln(out, ld.summary())
	last := settle(samples[0], func() sample { return takeSample(cfg.n, time.Since(start), ld.requests()) })
	samples = append(samples, last)
	fmt.Fprintln(out, last)
	return samples, checkBounds(samples, cfg.clients, out)
}

// work extracts until cfg.n extractions were taken, recording a checkpoint
// after every cfg.every-th.
func work(ctx context.Context, m *gliner.Model, cfg config, next *atomic.Int64, checkpoint func(int)) error {
	for {
		i := int(next.Add(1))
		if i > cfg.n {
			return nil
		}
		if err := extractOne(ctx, m, i); err != nil {
			return err
		}
		if i%cfg.every == 0 && i < cfg.n {
			checkpoint(i)
		}
	}
}

// extractOne runs extraction i: every 97th with a context already
// cancelled, every 89th with a deadline short enough to stop the run
// part way; their context errors are expected, any other error is not.
// Entities must lie inside the text.
func extractOne(ctx context.Context, m *gliner.Model, i int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	text, labels := texts[i%len(texts)], labelSets[(i/len(texts))%len(labelSets)]
	var cancel context.CancelFunc = func() {}
	switch {
	case i%97 == 0:
		ctx, cancel = context.WithCancel(ctx)
		cancel()
	case i%89 == 0:
		ctx, cancel = context.WithTimeout(ctx, 200*time.Microsecond)
	}
	defer cancel()
	ents, err := m.Extract(ctx, text, labels)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("extraction %d (%q, labels %q): %w", i, text, labels, err)
	}
	for _, e := range ents {
		if e.Start < 0 || e.End > len(text) || e.Start >= e.End {
			return fmt.Errorf("extraction %d: entity %+v outside the text %q", i, e, text)
		}
	}
	return nil
}

// settle takes the last sample, retrying for up to 2 s while goroutines or
// descriptors exceed the sample before: closed connections' goroutines
// exit shortly after Close returns. A leak stays and fails the bounds.
func settle(before sample, take func() sample) sample {
	s := take()
	for i := 0; i < 100 && (s.goroutines > before.goroutines || s.fds > before.fds); i++ {
		time.Sleep(20 * time.Millisecond)
		s = take()
	}
	return s
}
