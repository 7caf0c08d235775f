package evaluate

import (
	"fmt"
	"strconv"
	"strings"
)

// ResamplesFlag is the value of the command line's --bootstrap flag: the
// flag alone means [DefaultResamples], --bootstrap=N (or --bootstrap N, see
// [JoinResamplesArg]) N resamples, and 0 or false turns the bootstrap off.
type ResamplesFlag int

// String returns the number of resamples.
func (f *ResamplesFlag) String() string {
	if f == nil {
		return "0"
	}
	return strconv.Itoa(int(*f))
}

// Set parses "true", "false" or a number of resamples.
func (f *ResamplesFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case "true":
		*f = DefaultResamples
		return nil
	case "false":
		*f = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("%w: %q is not a number of resamples", ErrResamples, s)
	}
	*f = ResamplesFlag(n)
	return nil
}

// IsBoolFlag lets the flag be given without a value.
func (f *ResamplesFlag) IsBoolFlag() bool { return true }

// JoinResamplesArg rewrites "--bootstrap N" (N a number) in args as
// "--bootstrap=N", so that the flag, which may stand alone, also takes its
// value as the next argument.
func JoinResamplesArg(args []string, name string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if (a == "-"+name || a == "--"+name) && i+1 < len(args) {
			if _, err := strconv.ParseUint(args[i+1], 10, 31); err == nil {
				a += "=" + args[i+1]
				i++
			}
		}
		if a == "--" {
			return append(append(out, a), args[i+1:]...)
		}
		out = append(out, a)
	}
	return out
}
