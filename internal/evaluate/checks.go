package evaluate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// AbsentTypes returns, sorted, the corpus types of a label map (as
// [ParseLabelMap] gives it) that no gold span of c has. Their labels are
// still asked for, so every prediction of them is a false positive and their
// F1 is 0: usually a misspelt type ("disease" for "Disease").
func (c *Corpus) AbsentTypes(labels map[string]string) []string {
	present := map[string]bool{}
	for _, t := range c.Types() {
		present[t] = true
	}
	var absent []string
	for t := range labels {
		if !present[t] {
			absent = append(absent, t)
		}
	}
	sort.Strings(absent)
	return absent
}

// CheckReportPath checks, before a run, that a report can be written to
// path and to the HTML file next to it: the folder exists and a file can be
// created in it, and path is not a folder. It creates and removes a
// temporary file in the folder.
func CheckReportPath(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("evaluate: report %s is a folder", path)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".gliner-eval-*")
	if err != nil {
		return fmt.Errorf("evaluate: cannot write the report into %s: %w", dir, err)
	}
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}
