// Command modsize prints the size of the Go module zip that `go get` would
// download for the repository at a commit: it exports the commit with
// `git archive` into a temporary folder and builds the zip with
// golang.org/x/mod/zip, which applies the go command's rules (nested
// modules, vendor folders and files it cannot hold are left out).
//
//	cd tools && go run ./modsize [COMMIT]   (default HEAD)
package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

const modulePath = "github.com/gliner-go/gliner"

func main() {
	commit := "HEAD"
	if len(os.Args) > 1 {
		commit = os.Args[1]
	}
	dir, err := os.MkdirTemp("", "modsize-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := export(commit, dir); err != nil {
		log.Fatal(err)
	}
	n, err := zipSize(dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s module zip at %s: %d bytes (%.1f MB)\n", modulePath, commit, n, float64(n)/1e6)
}

// export writes the files of commit (the whole repository, wherever the
// command runs) into dir.
func export(commit, dir string) error {
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return fmt.Errorf("not in a git repository: %w", err)
	}
	archive := exec.Command("git", "archive", commit)
	archive.Dir = strings.TrimSpace(string(top))
	extract := exec.Command("tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	extract.Stdin = pipe
	archive.Stderr, extract.Stderr = os.Stderr, os.Stderr
	if err := extract.Start(); err != nil {
		return err
	}
	if err := archive.Run(); err != nil {
		return fmt.Errorf("git archive %s: %w", commit, err)
	}
	return extract.Wait()
}

// zipSize returns the size of the module zip of dir.
func zipSize(dir string) (int64, error) {
	f, err := os.Create(filepath.Join(dir, "..", filepath.Base(dir)+".zip"))
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := zip.CreateFromDir(f, module.Version{Path: modulePath, Version: "v0.0.0"}, dir); err != nil {
		return 0, err
	}
	return f.Seek(0, io.SeekEnd)
}
