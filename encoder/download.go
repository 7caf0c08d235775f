package encoder

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// download fetches url into part, resuming from the bytes part already
// holds. A download cut short keeps what arrived, for the next call. The
// server may ignore the range request; then the file starts over.
func (in *installer) download(ctx context.Context, url, part string, size int64) error {
	var have int64
	if st, err := os.Stat(part); err == nil {
		have = st.Size()
	}
	if have >= size {
		return nil // complete (or too long: the checksum decides)
	}
	resp, err := in.get(ctx, url, have)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.OpenFile(part, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("encoder: install: %w", err)
	}
	defer f.Close()
	if have, err = continueOrRestart(f, resp, have); err != nil {
		return err
	}
	if have > 0 {
		in.logf("resuming the download of %s at %d of %d bytes\n", url, have, size)
	} else {
		in.logf("downloading %s (%.0f MB)\n", url, float64(size)/1e6)
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, size-have))
	if err == nil && have+n < size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return &DownloadError{URL: url, Err: fmt.Errorf("stopped at %d of %d bytes (run again to resume): %w", have+n, size, err)}
	}
	return f.Close()
}

// get sends a GET for url, asking for the bytes from offset on when
// offset > 0.
func (in *installer) get(ctx context.Context, url string, offset int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, &DownloadError{URL: url, Err: err}
	}
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := in.client.Do(req)
	if err != nil {
		return nil, &DownloadError{URL: url, Err: err}
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		resp.Body.Close()
		return nil, &DownloadError{URL: url, Status: resp.StatusCode}
	}
	return resp, nil
}

// continueOrRestart positions f at the end when resp continues it at
// offset have, or empties it otherwise, and returns the offset the body
// starts at.
func continueOrRestart(f *os.File, resp *http.Response, have int64) (int64, error) {
	want := fmt.Sprintf("bytes %d-", have)
	if have > 0 && resp.StatusCode == http.StatusPartialContent && strings.HasPrefix(resp.Header.Get("Content-Range"), want) {
		if _, err := f.Seek(have, io.SeekStart); err != nil {
			return 0, fmt.Errorf("encoder: install: %w", err)
		}
		return have, nil
	}
	if err := f.Truncate(0); err != nil {
		return 0, fmt.Errorf("encoder: install: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("encoder: install: %w", err)
	}
	return 0, nil
}

// extractLibrary copies lib's member out of the tarball to dest through a
// temporary file, checks its sum, and renames it into place.
func extractLibrary(tarball string, lib libPin, dest string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return fmt.Errorf("encoder: install: %w", err)
	}
	defer f.Close()
	r, size, err := findMember(f, lib.member)
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrArchive, tarball, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+lib.name+".tmp-*")
	if err != nil {
		return fmt.Errorf("encoder: install: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	sum, err := copyHashed(tmp, r, size)
	if err != nil {
		return fmt.Errorf("%w %s: %s: %w", ErrArchive, tarball, lib.member, err)
	}
	if sum != lib.sha256 {
		return &ChecksumError{File: tarball + ":" + lib.member, Got: sum, Want: lib.sha256}
	}
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return fmt.Errorf("encoder: install: %w", err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return fmt.Errorf("encoder: install: %w", err)
	}
	return nil
}

// findMember positions a reader of the gzip-compressed tar r at the regular
// file named member and returns it with the file's size.
func findMember(r io.Reader, member string) (io.Reader, int64, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, 0, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, 0, fmt.Errorf("no file %s in it", member)
		}
		if err != nil {
			return nil, 0, err
		}
		if strings.TrimPrefix(h.Name, "./") == member && h.Typeflag == tar.TypeReg {
			return tr, h.Size, nil
		}
	}
}

// copyHashed writes exactly size bytes of r to f, closes f, and returns the
// sha256 of what was written.
func copyHashed(f *os.File, r io.Reader, size int64) (string, error) {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	return hex.EncodeToString(h.Sum(nil)), err
}
