//go:build cgo && linux

package encoder

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// hugeArgvChild marks the re-executed test binary of TestLoadRuntimeHugeArgv.
const hugeArgvChild = "GLINER_TEST_HUGE_ARGV_CHILD"

// TestLoadRuntimeHugeArgv is the regression test of a SIGSEGV in
// CreateOrtEnv: with telemetry on, ONNX Runtime matches the whole command
// line with a recursive regular expression, and about 100 KB of arguments
// overflowed the thread stack. The test binary re-runs itself with 480 KB of
// arguments (five times the size that crashed) and ORT_DISABLE_TELEMETRY=0
// in its environment (the package must override it), and the child loads
// the runtime. A crash shows as the child's exit status.
func TestLoadRuntimeHugeArgv(t *testing.T) {
	if os.Getenv(hugeArgvChild) == "1" {
		requireRuntime(t)
		if got := os.Getenv(telemetryEnv); got != "1" {
			t.Fatalf("%s = %q after LoadRuntime, want 1", telemetryEnv, got)
		}
		return
	}
	requireRuntime(t)
	args := []string{"-test.run=^TestLoadRuntimeHugeArgv$", "-test.count=1", "-test.v"}
	for range 4 {
		args = append(args, labelList(120_000))
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), hugeArgvChild+"=1", telemetryEnv+"=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child with %d KB of arguments: %v\n%s", 480, err, head(out, 1500))
	}
	if !strings.Contains(string(out), "--- PASS: TestLoadRuntimeHugeArgv") {
		t.Fatalf("child did not run the test:\n%s", tail(out, 2000))
	}
}

// labelList returns "label0,label1,..." of exactly n bytes, like a long
// --labels argument.
func labelList(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("label")
		b.WriteString(strings.Repeat("x", i%7))
	}
	return b.String()[:n]
}

func head(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
