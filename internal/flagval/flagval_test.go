package flagval

import (
	"reflect"
	"testing"
)

func TestList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ,", nil},
		{"disease, chemical ,gene", []string{"disease", "chemical", "gene"}},
	} {
		if got := List(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("List(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLabelThresholds(t *testing.T) {
	got, err := LabelThresholds("disease=0.3, a=b=0.7")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]float64{"disease": 0.3, "a=b": 0.7}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"disease", "disease=x"} {
		if _, err := LabelThresholds(bad); err == nil {
			t.Errorf("LabelThresholds(%q): no error", bad)
		}
	}
}
