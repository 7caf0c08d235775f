package tokenize

import (
	"os"
	"sync"
	"testing"
)

var (
	tempDirsMu sync.Mutex
	tempDirs   []string
)

// sharedTempDir creates a temporary directory that outlives single tests
// (fixtures built once per package run) and is removed by TestMain.
func sharedTempDir(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	tempDirsMu.Lock()
	tempDirs = append(tempDirs, dir)
	tempDirsMu.Unlock()
	return dir, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	tempDirsMu.Lock()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	tempDirsMu.Unlock()
	os.Exit(code)
}
