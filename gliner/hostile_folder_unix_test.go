//go:build unix

package gliner

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHostileFolderDevices checks that Open never reads a device or a named
// pipe in place of a model file: /dev/zero would never end and a pipe would
// block forever.
func TestHostileFolderDevices(t *testing.T) {
	cases := []hostileCase{
		{name: "tokenizer.json links to /dev/zero", breakIt: linkTo("tokenizer.json", "/dev/zero")},
		{name: "/dev/zero behind an allowed outside link", breakIt: linkTo("tokenizer.json", "/dev/zero"), opts: []Option{WithOutsideLinks()}},
		{name: "gliner_config.json is a named pipe", breakIt: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "gliner_config.json")
			require.NoError(t, os.Remove(p))
			require.NoError(t, syscall.Mkfifo(p, 0o644))
			return dir
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.breakIt(t, copyTree(t, "span-bert"))
			err, alloc := openMeasured(t, dir, tc.opts)
			t.Logf("allocated %.1f MiB; error: %v", float64(alloc)/mib, err)
			require.ErrorIs(t, err, ErrUnsafeFile)
			require.LessOrEqual(t, alloc, uint64(mib))
		})
	}
}
