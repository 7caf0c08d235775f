package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"time"
)

// sample is the process's resources at one checkpoint. RSS and fds are -1
// where /proc is not available.
type sample struct {
	done       int
	elapsed    time.Duration
	rssKiB     int64
	heapKiB    int64
	goroutines int
	fds        int
	requests   int64 // HTTP requests answered so far
}

const sampleHeader = "extractions  elapsed_s  rss_MiB  heap_MiB  goroutines  fds  http_requests"

func (s sample) String() string {
	return fmt.Sprintf("%11d  %9.1f  %7.1f  %8.1f  %10d  %3d  %13d",
		s.done, s.elapsed.Seconds(), float64(s.rssKiB)/1024, float64(s.heapKiB)/1024, s.goroutines, s.fds, s.requests)
}

func takeSample(done int, elapsed time.Duration, requests int64) sample {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return sample{
		done: done, elapsed: elapsed, requests: requests,
		rssKiB:     rssKiB(),
		heapKiB:    int64(ms.HeapAlloc / 1024),
		goroutines: runtime.NumGoroutine(),
		fds:        openFDs(),
	}
}

// rssKiB reads VmRSS from /proc/self/status.
func rssKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:")); ok {
			f := bytes.Fields(rest)
			if len(f) > 0 {
				if n, err := strconv.ParseInt(string(f[0]), 10, 64); err == nil {
					return n
				}
			}
		}
	}
	return -1
}

// openFDs counts the entries of /proc/self/fd (the directory's own
// descriptor included, the same at every checkpoint).
func openFDs() int {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return -1
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return -1
	}
	return len(names)
}

// The bounds of a soak. samples[0] is taken before the soak starts,
// samples[1] at the first checkpoint (after the first -every extractions:
// caches and the server's connections are warm), the last one after the
// workers and the server stopped.
//   - Resident memory in the second half of the checkpoints never exceeds
//     the highest of the first half by more than maxRSSGrowthMiB. ONNX
//     Runtime's arena and the C allocator keep their high-water mark, which
//     rises in a step whenever a rarer peak of concurrent runs happens (seen:
//     +57 MiB once between 8,000 and 10,000 extractions of a 20,000 run, then
//     flat), so the first checkpoint is not a ceiling; a leak grows with the
//     number of extractions and shows as growth from the first half to the
//     second.
//   - During the run, goroutines and open file descriptors never exceed the
//     first checkpoint's by more than 2 per HTTP client plus 2 (a client's
//     connection may be replaced between checkpoints).
//   - After the run, goroutines and descriptors are back to samples[0]'s.
const maxRSSGrowthMiB = 64

func checkBounds(samples []sample, clients int, out io.Writer) error {
	before, first, last := samples[0], samples[1], samples[len(samples)-1]
	slack := 2*clients + 2
	var errs []string
	runs := samples[1 : len(samples)-1] // the checkpoints
	half := (len(runs) + 1) / 2
	ceiling := int64(-1) // the highest RSS of the first half
	for _, s := range runs[:half] {
		ceiling = max(ceiling, s.rssKiB)
	}
	for _, s := range samples[1+half:] { // the second half and the sample after the run
		if ceiling >= 0 && s.rssKiB-ceiling > maxRSSGrowthMiB*1024 {
			errs = append(errs, fmt.Sprintf("RSS %.1f MiB at %d extractions, more than %d MiB above %.1f MiB (the first half's highest)",
				float64(s.rssKiB)/1024, s.done, maxRSSGrowthMiB, float64(ceiling)/1024))
		}
	}
	for _, s := range samples[2 : len(samples)-1] {
		if s.goroutines > first.goroutines+slack || s.fds > first.fds+slack {
			errs = append(errs, fmt.Sprintf("%d goroutines and %d fds at %d extractions (first checkpoint %d and %d, slack %d)",
				s.goroutines, s.fds, s.done, first.goroutines, first.fds, slack))
		}
	}
	if last.goroutines > before.goroutines || last.fds > before.fds {
		errs = append(errs, fmt.Sprintf("%d goroutines and %d fds after the run, %d and %d before",
			last.goroutines, last.fds, before.goroutines, before.fds))
	}
	if len(errs) > 0 {
		return fmt.Errorf("resources grew: %v", errs)
	}
	fmt.Fprintf(out, "bounds kept: RSS %.1f -> %.1f MiB (at most +%d over the first half's highest), goroutines %d before, %d at first checkpoint, %d after; fds %d, %d, %d\n",
		float64(first.rssKiB)/1024, float64(last.rssKiB)/1024, maxRSSGrowthMiB, before.goroutines, first.goroutines, last.goroutines, before.fds, first.fds, last.fds)
	return nil
}
