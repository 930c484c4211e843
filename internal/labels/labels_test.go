package labels

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pairs   []string
		want    map[string]string
		wantErr string
	}{
		{"none", nil, map[string]string{}, ""},
		{"flags", []string{"site=eu-west", "hw=nvme-2026"}, map[string]string{"site": "eu-west", "hw": "nvme-2026"}, ""},
		{"an environment list", []string{"site=eu-west, hw=nvme-2026,"}, map[string]string{"site": "eu-west", "hw": "nvme-2026"}, ""},
		{"the same twice", []string{"site=eu", "site=eu"}, map[string]string{"site": "eu"}, ""},
		{"a value with =", []string{"rack=a=b"}, map[string]string{"rack": "a=b"}, ""},
		{"no value", []string{"site"}, nil, `label "site": write KEY=VALUE`},
		{"an empty value", []string{"site="}, nil, "label site has an empty value"},
		{"a bad key", []string{"1site=eu"}, nil, `label key "1site"`},
		{"a reserved key", []string{"__name__=x"}, nil, `label key "__name__"`},
		{"a dash in the key", []string{"hw-class=x"}, nil, `label key "hw-class"`},
		{"two values", []string{"site=eu", "site=us"}, nil, `label site is given twice, as "eu" and "us"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.pairs...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse = %v, %v; want %v", got, err, tc.want)
			}
			if back, _ := Parse(String(got)); !reflect.DeepEqual(back, got) {
				t.Errorf("String does not read back: %q", String(got))
			}
		})
	}
}

func TestMissing(t *testing.T) {
	have := map[string]string{"site": "eu-west", "hw": "old"}
	if got := Missing(have, map[string]string{"site": "eu-west"}); len(got) != 0 {
		t.Errorf("Missing = %v, want none", got)
	}
	if got := Missing(have, map[string]string{"site": "us-east", "hw": "old", "gpu": "yes"}); !reflect.DeepEqual(got, []string{"gpu=yes", "site=us-east"}) {
		t.Errorf("Missing = %v", got)
	}
}
