package store

import "github.com/redrill/redrill/scenarios/phase"

// The units a measure may have. Reports add them up and divide bytes by
// the RTO, so they are a closed list rather than free text.
const (
	UnitBytes   = "bytes"
	UnitRows    = "rows"
	UnitSeconds = "seconds"
	UnitCount   = "count"
)

// Units lists the units a measure may have, in the order docs give them.
var Units = []string{UnitBytes, UnitRows, UnitSeconds, UnitCount}

// Measure is a number a drill recorded with its run: the size of the
// database it restored, the rows restored, the dump's size.
type Measure struct {
	Name  string      `json:"name"`
	Unit  string      `json:"unit"`
	Value float64     `json:"value"`
	Phase phase.Phase `json:"phase"`
}

// MeasureNamed returns the measure of that name, if the run recorded it.
func MeasureNamed(measures []Measure, name string) (Measure, bool) {
	for _, m := range measures {
		if m.Name == name {
			return m, true
		}
	}
	return Measure{}, false
}
