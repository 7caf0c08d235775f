//go:build !cgo

package encoder

import (
	"context"
	"errors"
	"testing"
)

func TestNoCgo(t *testing.T) {
	if _, err := LoadRuntime(); !errors.Is(err, ErrNoCgo) {
		t.Errorf("LoadRuntime: %v", err)
	}
	if s, err := Open("testdata/basic.onnx"); s != nil || !errors.Is(err, ErrNoCgo) {
		t.Errorf("Open: %v, %v", s, err)
	}
	if s, err := OpenBytes([]byte{1}); s != nil || !errors.Is(err, ErrNoCgo) {
		t.Errorf("OpenBytes: %v, %v", s, err)
	}
	var s *Session
	if _, err := s.Run(context.Background(), nil); !errors.Is(err, ErrNoCgo) {
		t.Errorf("Run: %v", err)
	}
	if err := s.Check(Contract{}); !errors.Is(err, ErrNoCgo) {
		t.Errorf("Check: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
