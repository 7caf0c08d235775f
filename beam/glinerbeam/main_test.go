package glinerbeam

import (
	"os"
	"path/filepath"
	"testing"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
)

// repoRoot is the main module's folder, relative to this package.
const repoRoot = "../.."

// pubTatorDir holds the PubTator test files (relative to this package): the
// repository's copy of the shared corpora; $GLINER_SHARED_DIR/data/pubtator
// overrides it.
const pubTatorDir = "../../testdata/shared/data/pubtator"

// pubTatorFiles are the PubTator test files the pipeline test reads.
var pubTatorFiles = []string{"ncbi-disease.test.pubtator.txt", "bc5cdr.test.pubtator.txt"}

func TestMain(m *testing.M) {
	// The nested module's tests run in beam/glinerbeam; point ONNX
	// Runtime discovery at the repository's third_party/onnxruntime.
	if os.Getenv("ONNXRUNTIME_SHARED_LIBRARY_PATH") == "" {
		lib, err := filepath.Abs(filepath.Join(repoRoot, "third_party", "onnxruntime"))
		if _, serr := os.Stat(lib); err == nil && serr == nil {
			os.Setenv("ONNXRUNTIME_SHARED_LIBRARY_PATH", lib)
		}
	}
	ptest.MainWithDefault(m, "prism")
}

// pubTatorPath returns the folder of the PubTator test files, or skips the
// test when it is absent (fails with GLINER_REQUIRE_SHARED=1).
func pubTatorPath(tb testing.TB) string {
	tb.Helper()
	dir := pubTatorDir
	if d := os.Getenv("GLINER_SHARED_DIR"); d != "" {
		dir = filepath.Join(d, "data", "pubtator")
	}
	if _, err := os.Stat(filepath.Join(dir, pubTatorFiles[0])); err != nil {
		missing(tb, "no PubTator test files in %s: %v", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return abs
}

// missing skips the test, or fails it when GLINER_REQUIRE_SHARED=1.
func missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("GLINER_REQUIRE_SHARED") == "1" {
		tb.Fatalf("missing prerequisite (GLINER_REQUIRE_SHARED=1): "+format, args...)
	}
	tb.Skipf("skipping: "+format, args...)
}
