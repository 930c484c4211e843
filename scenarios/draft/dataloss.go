package draft

import (
	"regexp"
	"strings"
	"time"
)

var (
	lossNouns = `(?:data|records?|rows?|writes?|transactions?|messages?|events?|payloads?|webhooks?|commits?|issues?|comments?|changes|updates|files?|uploads?|objects?|entries|orders|logs?|metrics|database|information|content|work)`
	// A clause that speaks of lost data at all.
	lossMention = regexp.MustCompile(`(?i)\bdata[- ]loss\b|\bloss of (?:\w+ ){0,2}` + lossNouns + `\b|\blost (?:\w+ ){0,3}` + lossNouns + `\b|\b` + lossNouns + `\b[^.;]{0,80}?\b(?:was|were|has been|have been|had been|is|are|got|being)\s+(?:\w+\s+)?(?:lost|dropped|deleted|discarded|unrecoverable|gone)\b|\b(?:lose|losing) (?:\w+ ){0,2}` + lossNouns + `\b|\b` + lossNouns + ` (?:was|were) never (?:written|stored|recorded)\b|\b(?:deleted|wiped|erased|destroyed) (?:\w+ ){0,3}data\b`)
	// "the logs reveal that the pod has been deleted": the noun of another
	// clause, not what was lost.
	lossReported = regexp.MustCompile(`(?i)\b(?:that|which|reveal\w*|show\w*|indicat\w*|says?|said)\b`)
	lossNegated  = regexp.MustCompile(`(?i)\b(?:no|zero|without(?: any)?|never|not|nor|n't|none of)\b[^.;]{0,40}$|^\W*(?:no|zero)\b`)
	noLossWords  = regexp.MustCompile(`(?i)\b(?:no|zero|without(?: any)?)\s+(?:\w+\s+){0,2}?(?:data[- ]loss|loss of data|` + lossNouns + `\s+(?:was|were)\s+lost|lost\s+` + lossNouns + `)|\b(?:did not|didn't|never|not) (?:lose|lost) (?:any )?(?:\w+ )?` + lossNouns + `|\bno ` + lossNouns + ` (?:was|were|has been|have been) (?:permanently )?(?:lost|deleted)|\b(?:none|nothing) (?:of (?:the|our) \w+ )?(?:was|were) lost|\b` + lossNouns + ` (?:was|were) not lost`)
	clauseBreak  = regexp.MustCompile(`(?i),\s*(?:and|but|while|although|though|however|yet|whereas)\b|;\s*|\s+(?:but|while|although|however|whereas)\s+`)
	timeWindow   = regexp.MustCompile(`(?i)\bbetween\s+(?:[^.;]{0,30}?\s)?(\d{1,2}):(\d{2})\s*(?:([ap]\.?m\.?)\s*)?(?:[A-Z]{2,4}\s+)?(?:and|to|-|–)\s+(?:[^.;]{0,30}?\s)?(\d{1,2}):(\d{2})\s*([ap]\.?m\.?)?`)
)

// findDataLoss reads what the document says of lost data, clause by
// clause: "no data was lost" is none; "some have reported data loss for
// up to 5 minutes" is some, 300 s, even after "no data loss" in the same
// sentence; "created between 17:20 UTC and 23:30 UTC has been lost" is
// some, with the window's length. Some outweighs none.
func (pm *Document) findDataLoss() DataLoss {
	var none *DataLoss
	for _, s := range pm.sentencesOf(everySection...) {
		for _, clause := range clauseBreak.Split(s.text, -1) {
			if noLossWords.MatchString(clause) {
				if none == nil {
					none = &DataLoss{Kind: "none", Evidence: s.text, Line: s.line}
				}
				continue
			}
			loc := lossMention.FindStringIndex(clause)
			if loc == nil || lossNegated.MatchString(clause[:loc[0]]) || hypothetical.MatchString(clause) || lossReported.MatchString(clause[loc[0]:loc[1]]) {
				continue
			}
			loss := DataLoss{Kind: "some", Evidence: s.text, Line: s.line}
			if m := timeWindow.FindStringSubmatch(clause); m != nil {
				from, _ := clockOn(time.Time{}, []string{"", m[1], m[2], "", m[3], "", "", ""}, 0)
				to, _ := clockOn(time.Time{}, []string{"", m[4], m[5], "", m[6], "", "", ""}, 0)
				if to.Before(from) {
					to = to.Add(24 * time.Hour)
				}
				loss.Seconds = int64(to.Sub(from).Seconds())
			} else {
				loss.Seconds = int64(lossDuration(clause, loc[0]).Seconds())
			}
			return loss
		}
	}
	if none != nil {
		return *none
	}
	return DataLoss{Kind: "not_stated"}
}

// A clause about what could have been lost is not a loss.
var hypothetical = regexp.MustCompile(`\b(?:[Cc]ould|[Ww]ould|[Mm]ight|may|can|[Rr]isk(?:ed)? of|[Pp]revent\w*|[Aa]void\w*|to ensure|in case|[Ii]f|[Ww]henever|[Oo]therwise)\b`)

// lossDuration is how much data a clause says was lost: the duration
// after the mention ("data loss for up to 5 minutes"), else one "of" data
// ("2 hours of orders were lost").
func lossDuration(clause string, mention int) time.Duration {
	if m := durationPhrase.FindStringSubmatch(clause[mention:]); m != nil && (strings.ContainsAny(m[1], "0123456789") || len(m[2]) > 1) {
		return phraseDuration(m)
	}
	for _, loc := range durationPhrase.FindAllStringSubmatchIndex(clause, -1) {
		if strings.HasPrefix(strings.TrimSpace(clause[loc[1]:]), "of ") {
			m := make([]string, 5)
			for i := 1; i <= 4; i++ {
				if loc[2*i] >= 0 {
					m[i] = clause[loc[2*i]:loc[2*i+1]]
				}
			}
			return phraseDuration(m)
		}
	}
	return 0
}
