package store

import "testing"

func TestMatches(t *testing.T) {
	eu := map[string]string{"site": "eu-west", "tier": "1"}
	tests := []struct {
		name       string
		have, want map[string]string
		matches    bool
	}{
		{name: "an empty want matches every runner", have: eu, want: map[string]string{}, matches: true},
		{name: "a nil want matches a runner without labels", have: nil, want: nil, matches: true},
		{name: "the same labels match", have: eu, want: map[string]string{"site": "eu-west", "tier": "1"}, matches: true},
		{name: "a subset of the runner's labels matches", have: eu, want: map[string]string{"site": "eu-west"}, matches: true},
		{name: "another value does not match", have: eu, want: map[string]string{"site": "us-east"}, matches: false},
		{name: "a key the runner lacks does not match", have: eu, want: map[string]string{"gpu": "yes"}, matches: false},
		{name: "an empty value is a value, not a wildcard", have: eu, want: map[string]string{"site": ""}, matches: false},
		{name: "a key with an empty value matches only that", have: map[string]string{"site": ""}, want: map[string]string{"site": ""}, matches: true},
		{name: "a runner without labels matches no label", have: map[string]string{}, want: map[string]string{"site": "eu-west"}, matches: false},
		{name: "keys are case-sensitive", have: eu, want: map[string]string{"Site": "eu-west"}, matches: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Matches(tt.have, tt.want); got != tt.matches {
				t.Errorf("Matches(%v, %v) = %v, want %v", tt.have, tt.want, got, tt.matches)
			}
		})
	}
}
