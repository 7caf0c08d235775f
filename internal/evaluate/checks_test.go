package evaluate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestAbsentTypes(t *testing.T) {
	c, err := ReadCoNLL(strings.NewReader("a\tB-Disease\nb\tB-Chemical\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   []string
	}{
		{"all present", map[string]string{"Disease": "disease", "Chemical": "chemical"}, nil},
		{"misspelt and unknown", map[string]string{"disease": "disease", "Gene": "gene", "Chemical": "x"}, []string{"Gene", "disease"}},
		{"no map", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.AbsentTypes(tc.labels); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("AbsentTypes = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckReportPath(t *testing.T) {
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, err string
	}{
		{"writable", filepath.Join(dir, "run.json"), ""},
		{"missing folder", filepath.Join(dir, "nope", "run.json"), "cannot write the report into"},
		{"a folder", dir, "is a folder"},
		{"read-only folder", filepath.Join(readOnly, "run.json"), "cannot write the report into"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "read-only folder" && os.Geteuid() == 0 {
				t.Skip("root writes into read-only folders")
			}
			err := CheckReportPath(tc.path)
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("CheckReportPath(%s) = %v, want %q", tc.path, err, tc.err)
			}
		})
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".gliner-eval-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
