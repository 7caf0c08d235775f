//go:build cgo

package encoder

import (
	"fmt"
	"os"

	ort "github.com/yalue/onnxruntime_go"
)

// telemetryEnv is the variable with which ONNX Runtime 1.29 and newer turn
// their non-Windows telemetry off. It must be set before the environment is
// created; ONNX Runtime reads it once and keeps the answer for the process.
const telemetryEnv = "ORT_DISABLE_TELEMETRY"

// disableTelemetry keeps ONNX Runtime's telemetry from starting. Since 1.29
// the Linux and macOS builds embed Microsoft's 1DS telemetry client, on by
// default, which runs while the environment is created: it reads
// /etc/machine-id (or runs `sh -c "echo \`blkid; hostname\`"` when that is
// missing) and matches the whole of /proc/self/cmdline against a regular
// expression with libstdc++'s std::regex. That matcher recurses once per
// byte of input, so a process whose arguments total about 100 KB (gliner
// extract with 10,000 labels) overflows the 8 MB thread stack and dies with
// SIGSEGV inside CreateOrtEnv, before any model is opened. It also uploads
// events to Microsoft from a library embedded in someone else's service.
// With the variable set none of that code runs: no argument is read, no
// shell is started, nothing is written or sent. The value is forced to "1"
// (not merely defaulted) because any other value re-opens the crash.
func disableTelemetry() error {
	if err := os.Setenv(telemetryEnv, "1"); err != nil {
		return fmt.Errorf("encoder: setting %s: %w", telemetryEnv, err)
	}
	return nil
}

// disableTelemetryEvents also switches events off through the C API, the
// control ONNX Runtime documents on every platform (Windows included).
func disableTelemetryEvents() error {
	return ort.DisableTelemetry()
}
