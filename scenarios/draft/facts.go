package draft

import "encoding/json"

// Facts is what `redrill draft --format json` prints: what the document
// says, each fact with the words and the line it came from. Its fields
// are a contract other tools rely on (docs/draft-and-catalog.md).
type Facts struct {
	Title           string          `json:"title"`
	IncidentDate    *string         `json:"incident_date"`
	URL             string          `json:"url"`
	RootCause       string          `json:"root_cause"`
	Impact          Impact          `json:"impact"`
	DataLoss        DataLoss        `json:"data_loss"`
	RecoveryActions []Entry         `json:"recovery_actions"`
	FollowUps       []Entry         `json:"follow_ups"`
	Timeline        []timelineFacts `json:"timeline"`
}

type timelineFacts struct {
	At   string `json:"at"`
	Text string `json:"text"`
	Line int    `json:"line"`
}

// Facts returns the document's facts.
func (pm *Document) Facts() Facts {
	f := Facts{
		Title: pm.Title, URL: pm.URL, RootCause: pm.Finding, Impact: pm.Impact, DataLoss: pm.DataLoss,
		RecoveryActions: append([]Entry{}, pm.Actions...), FollowUps: append([]Entry{}, pm.FollowUps...),
		Timeline: []timelineFacts{},
	}
	if pm.Date != "" {
		date := pm.Date
		f.IncidentDate = &date
	}
	for _, e := range pm.Timeline {
		f.Timeline = append(f.Timeline, timelineFacts{e.At(), e.Text, e.Line})
	}
	return f
}

// JSON is the facts, indented, with a final newline.
func (pm *Document) JSON() []byte {
	out, _ := json.MarshalIndent(pm.Facts(), "", "  ")
	return append(out, '\n')
}
