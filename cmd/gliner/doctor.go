package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/builtin"
	"github.com/gliner-go/gliner/internal/hub"
)

func init() {
	register(command{name: "doctor", summary: "check the installation: ONNX Runtime, caches, a test extraction", run: runDoctor})
}

// doctorText is the sentence of the test extraction.
const doctorText = "Aspirin can cause Reye syndrome in children with influenza."

func runDoctor(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(stderr, "usage: gliner doctor\n\nPrints where ONNX Runtime was found and its version, the model caches, and\nthe result of a test extraction with the built-in model. Exit code 1 when\nsomething does not work.")
		return exitOK
	}
	if len(args) != 0 {
		return usageError(stderr, "doctor", "takes no arguments")
	}
	version, commit := versionInfo()
	fmt.Fprintf(stdout, "gliner:            %s\n", strings.TrimSpace(version+" "+commit))
	ok := doctorRuntime(stdout)
	doctorCaches(stdout)
	if ok {
		ok = doctorExtract(stdout)
	}
	if !ok {
		return exitRuntime
	}
	fmt.Fprintln(stdout, "everything works")
	return exitOK
}

// doctorRuntime reports the ONNX Runtime library, or why none loads.
func doctorRuntime(w io.Writer) bool {
	info, err := encoder.LoadRuntime()
	if err != nil {
		fmt.Fprintf(w, "ONNX Runtime:      NOT WORKING\n%s\n", indent(err.Error()))
		return false
	}
	fmt.Fprintf(w, "ONNX Runtime:      %s\n  library:         %s\n  found in:        %s\n", info.Version, info.Path, info.Source)
	return true
}

// doctorCaches reports the folders gliner writes to.
func doctorCaches(w io.Writer) {
	if dir, err := encoder.UserLibraryDir(); err == nil {
		fmt.Fprintf(w, "gliner setup dir:  %s\n", dir)
	}
	fmt.Fprintf(w, "model cache (hf:): %s\n", hub.CacheDir())
	if dir, err := builtin.Dir(); err == nil {
		fmt.Fprintf(w, "built-in model:    %s\n", dir)
	} else {
		fmt.Fprintf(w, "built-in model:    cannot be written to disk: %v\n", err)
	}
}

// doctorExtract runs the built-in model on one sentence.
func doctorExtract(w io.Writer) bool {
	start := time.Now()
	m, err := gliner.OpenDefault()
	if err != nil {
		fmt.Fprintf(w, "test extraction:   FAILED to open the built-in model: %v\n", err)
		return false
	}
	defer m.Close()
	ents, err := m.Extract(context.Background(), doctorText, []string{"disease", "chemical"})
	if err != nil {
		fmt.Fprintf(w, "test extraction:   FAILED: %v\n", err)
		return false
	}
	var found []string
	for _, e := range ents {
		found = append(found, fmt.Sprintf("%s=%q", e.Label, e.Text))
	}
	fmt.Fprintf(w, "test extraction:   %d entities in %v: %s\n", len(ents), time.Since(start).Round(time.Millisecond), strings.Join(found, ", "))
	return true
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
