package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/gliner"
)

// failing is an Extractor that always fails with err.
type failing struct{ err error }

func (f failing) ExtractBatch(context.Context, []string, []string, ...gliner.ExtractOption) ([][]gliner.Entity, error) {
	return nil, f.err
}

// TestExtractorErrors: the model's refusals of a request's labels or texts
// are the client's fault (400); other failures are the server's (500).
func TestExtractorErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{fmt.Errorf("%w: the prompt of 5 labels has 3000 sub-word tokens, more than the limit of 2048", gliner.ErrLabel), 400},
		{fmt.Errorf("%w: text 0 has more than max_len=384 words", gliner.ErrTextTooLong), 400},
		{errors.New("onnx runtime exploded"), 500},
	} {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			_, url, _ := start(t, failing{tc.err}, Config{})
			code, m, _ := post(t, http.DefaultClient, url, `{"text":"a","labels":["a"]}`)
			if code != tc.code || !strings.Contains(fmt.Sprint(m["error"]), tc.err.Error()) {
				t.Errorf("got %d %v, want %d with %q", code, m, tc.code, tc.err)
			}
		})
	}
}
