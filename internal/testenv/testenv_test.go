package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSharedDirDefaultIsInRepository(t *testing.T) {
	t.Setenv(SharedEnv, "")
	got := SharedDir(t)
	want := filepath.Join(RepoRoot(), "testdata", "shared")
	if got != want {
		t.Fatalf("SharedDir = %q, want %q", got, want)
	}
	for _, rel := range []string{
		"conll/ncbi-disease/test.tsv",
		"pubtator/bc5cdr.test.pubtator.txt",
		"tokenizers/deberta-v3.spm.model",
		"README.md",
		"licenses/NCBI-disease_LICENSE.txt",
	} {
		if st, err := os.Stat(DataFile(t, rel)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", rel, err)
		}
	}
}

func TestSharedDirOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "x", "f.txt"), []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(SharedEnv, dir)
	if got := SharedDir(t); got != dir {
		t.Fatalf("SharedDir = %q, want %q", got, dir)
	}
	if got := DataFile(t, "x/f.txt"); got != filepath.Join(dir, "data", "x", "f.txt") {
		t.Fatalf("DataFile = %q", got)
	}
}

func TestMissingFailsWhenRequired(t *testing.T) {
	t.Setenv(RequireEnv, "1")
	if !Required() {
		t.Fatal("Required() = false with " + RequireEnv + "=1")
	}
	t.Setenv(RequireEnv, "")
	if Required() {
		t.Fatal("Required() = true without " + RequireEnv)
	}
}
