package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/gliner-go/gliner/encoder"
)

func init() {
	register(command{name: "version", summary: "print the module version, commit and ONNX Runtime version", run: runVersion})
}

// versionInfo describes the build: the module version ("(devel)" when built
// inside the repository) and the version control commit, if recorded.
func versionInfo() (version, commit string) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown", ""
	}
	version = bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if commit != "" && modified {
		commit += " (modified)"
	}
	return version, commit
}

func runVersion(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 0 {
		return usageError(stderr, "version", "takes no arguments")
	}
	version, commit := versionInfo()
	fmt.Fprintf(stdout, "gliner %s\n", version)
	if commit != "" {
		fmt.Fprintf(stdout, "commit %s\n", commit)
	}
	fmt.Fprintln(stdout, runtimeLine())
	return exitOK
}

// runtimeLine describes the ONNX Runtime library in one line.
func runtimeLine() string {
	info, err := encoder.LoadRuntime()
	switch {
	case err == nil:
		return fmt.Sprintf("ONNX Runtime %s (%s)", info.Version, info.Path)
	case errors.Is(err, encoder.ErrLibraryNotFound):
		return "ONNX Runtime not found (run 'gliner setup')"
	}
	first, _, _ := strings.Cut(err.Error(), "\n")
	return "ONNX Runtime not usable: " + first
}
