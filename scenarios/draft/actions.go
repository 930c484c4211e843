package draft

import (
	"regexp"
	"strings"
)

// What an entry of the timeline says was done to recover.
var (
	recoveryVerb = regexp.MustCompile(`(?i)\b(?:restart\w*|roll(?:ed|ing)? ?back|revert\w*|fail(?:ed|ing)? ?over|restor\w*|redeploy\w*|deploy\w*|promot\w*|scal(?:ed|ing) (?:up|out|down)|re-?enabl\w*|disabl\w*|clear\w*|delet\w*|remov\w*|rebuil\w*|re-?ran|rerun|reboot\w*|patch\w*|fix\w*|appl(?:y|ied)|switch\w*|migrat\w*|replac\w*|increas\w*|drain\w*|cordon\w*|purg\w*|flush\w*|block\w*|kill\w*|stopp\w*|paus\w*|recreat\w*|reattach\w*|re-?add\w*|added|upgrad\w*|downgrad\w*|reconfigur\w*|manually|install\w*|renew\w*|rotat\w*|resum\w*|rais\w*|lower\w*|re-?issu\w*|re-?start\w*|unblock\w*|rollback)\b`)
	notAction    = regexp.MustCompile(`(?i)\b(?:alert\w*|paged?|noticed|reported|investigat\w*|declared|detected|began|begins|started (?:to|investigating)|is aware|identified|discovered|notified|escalat\w*|joined|opened|posted|tweet\w*)\b`)
)

// findActions: the recovery section's top-level items (or its sentences
// when it is prose), else the response section's, else the timeline's
// entries that say something was done. Follow-up items (action items,
// next steps) are kept apart: they are what is to be done, not what was.
func (pm *Document) findActions() {
	pm.FollowUps = topLevel(pm.sections["actions"])
	for _, kind := range []string{"recovery", "response"} {
		if actions := topLevel(pm.sections[kind]); len(actions) > 0 {
			pm.Actions, pm.ActionsFrom = actions, kind+" section"
			return
		}
		for _, s := range pm.sentencesOf(kind) {
			pm.Actions = append(pm.Actions, Entry{strings.TrimSuffix(s.text, ":"), s.line})
		}
		if len(pm.Actions) > 0 {
			pm.ActionsFrom = kind + " section"
			return
		}
	}
	for _, e := range pm.Timeline {
		if e.Text != "" && recoveryVerb.MatchString(e.Text) && !notAction.MatchString(e.Text) {
			pm.Actions = append(pm.Actions, Entry{e.Text, e.Line})
		}
	}
	if len(pm.Actions) > 0 {
		pm.ActionsFrom = "timeline"
	}
}

// topLevel is the text of a section's top-level list items; nested
// bullets are details of their item, not steps of their own.
func topLevel(blocks []block) []Entry {
	var out []Entry
	for _, b := range blocks {
		if b.kind == blockItem && b.level == 0 {
			if text := strings.TrimSuffix(clean(b.text), ":"); text != "" {
				out = append(out, Entry{text, b.line})
			}
		}
	}
	return out
}
