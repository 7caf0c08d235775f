package encoder

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

// ortpins is the pinned ONNX Runtime build, shared with scripts/setup-ort.sh.
//
//go:embed ortpins.txt
var ortpins string

// pinSet is the parsed pin list: one tarball and the library it holds for
// each supported platform.
type pinSet struct {
	version string
	tarball tarballPin
	libs    []libPin
}

// tarballPin names the npm tarball and its checksum.
type tarballPin struct {
	name, url string
	size      int64
	sha256    string
}

// libPin is one platform's library inside the tarball.
type libPin struct {
	goos, goarch string
	member       string // path inside the tarball
	name         string // installed file name
	alias        string // symbolic link to name, for loaders wanting the bare name
	sha256       string
}

// defaultPins is the embedded pin list. A malformed list is a build mistake,
// caught by the package's tests.
var defaultPins = mustParsePins(ortpins)

func mustParsePins(text string) pinSet {
	p, err := parsePins(text)
	if err != nil {
		panic(err)
	}
	return p
}

// parsePins reads the pin list format documented in ortpins.txt.
func parsePins(text string) (pinSet, error) {
	var p pinSet
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if err := p.add(f); err != nil {
			return pinSet{}, fmt.Errorf("encoder: ortpins.txt line %d: %w", i+1, err)
		}
	}
	if p.version == "" || p.tarball.url == "" || len(p.libs) == 0 {
		return pinSet{}, fmt.Errorf("encoder: ortpins.txt lacks a version, tarball or lib line")
	}
	return p, nil
}

// add records one line, split into fields.
func (p *pinSet) add(f []string) error {
	switch {
	case f[0] == "version" && len(f) == 2:
		p.version = f[1]
	case f[0] == "tarball" && len(f) == 5:
		size, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil || size <= 0 {
			return fmt.Errorf("bad size %q", f[3])
		}
		p.tarball = tarballPin{name: f[1], url: f[2], size: size, sha256: f[4]}
	case f[0] == "lib" && len(f) == 7:
		p.libs = append(p.libs, libPin{goos: f[1], goarch: f[2], member: f[3], name: f[4], alias: f[5], sha256: f[6]})
	default:
		return fmt.Errorf("unexpected %q with %d fields", f[0], len(f))
	}
	return nil
}

// lib returns the pinned library for a platform.
func (p pinSet) lib(goos, goarch string) (libPin, bool) {
	for _, l := range p.libs {
		if l.goos == goos && l.goarch == goarch {
			return l, true
		}
	}
	return libPin{}, false
}
