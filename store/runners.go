package store

// Matches reports whether a runner with the labels have has every label
// of want (same key, same value); an empty want matches every runner. It
// is how a scenario's runner block selects runners, and runs by the
// labels of the runner that ran them.
func Matches(have, want map[string]string) bool {
	for key, value := range want {
		if got, ok := have[key]; !ok || got != value {
			return false
		}
	}
	return true
}
