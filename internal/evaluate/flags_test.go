package evaluate

import (
	"errors"
	"flag"
	"io"
	"slices"
	"testing"
)

func TestResamplesFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
		rest []string
	}{
		{nil, 0, nil},
		{[]string{"--bootstrap"}, DefaultResamples, nil},
		{[]string{"--bootstrap", "250", "a.json"}, 250, []string{"a.json"}},
		{[]string{"-bootstrap=40"}, 40, nil},
		{[]string{"--bootstrap=false"}, 0, nil},
		{[]string{"--bootstrap", "x.json"}, DefaultResamples, []string{"x.json"}},
		{[]string{"--", "--bootstrap", "5"}, 0, []string{"--bootstrap", "5"}},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var f ResamplesFlag
		fs.Var(&f, "bootstrap", "")
		if err := fs.Parse(JoinResamplesArg(tc.args, "bootstrap")); err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if int(f) != tc.want || !slices.Equal(fs.Args(), tc.rest) {
			t.Errorf("%q: %d, rest %q; want %d, %q", tc.args, f, fs.Args(), tc.want, tc.rest)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f ResamplesFlag
	fs.Var(&f, "bootstrap", "")
	for _, bad := range []string{"--bootstrap=-3", "--bootstrap=many"} {
		if err := fs.Parse([]string{bad}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if err := f.Set("-1"); !errors.Is(err, ErrResamples) {
		t.Errorf("Set(-1) = %v", err)
	}
}
