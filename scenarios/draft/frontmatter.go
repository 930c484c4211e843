package draft

import (
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"
)

// splitFrontMatter separates YAML ("---") or TOML ("+++") front matter
// from the body, decoded into a map, and says on which line the body
// starts. A document without front matter is all body.
func splitFrontMatter(doc string) (meta map[string]any, body string, bodyLine int, err error) {
	lines := strings.SplitAfter(doc, "\n")
	if len(lines) == 0 {
		return nil, doc, 1, nil
	}
	fence := strings.TrimSpace(lines[0])
	if fence != "---" && fence != "+++" {
		return nil, doc, 1, nil
	}
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != fence {
			continue
		}
		raw := strings.Join(lines[1:i], "")
		body = strings.Join(lines[i+1:], "")
		meta = map[string]any{}
		if fence == "---" {
			err = yaml.Unmarshal([]byte(raw), &meta)
		} else {
			_, err = toml.Decode(raw, &meta)
		}
		if err != nil {
			return nil, body, i + 2, fmt.Errorf("front matter: %w", err)
		}
		return meta, body, i + 2, nil
	}
	// An opening fence that never closes is a thematic break, not front matter.
	return nil, doc, 1, nil
}

// metaString is a front-matter value as text, looked up under any of the
// names documents give it; nested tables ("[extra]") are searched too.
func metaString(meta map[string]any, names ...string) string {
	switch v := metaValue(meta, names...).(type) {
	case string:
		return strings.TrimSpace(v)
	case time.Time:
		return v.Format(time.DateOnly)
	case fmt.Stringer:
		return v.String()
	case int, int64, float64:
		return fmt.Sprint(v)
	}
	return ""
}

// metaTime is a moment the front matter gives: a YAML or TOML timestamp,
// or text in RFC 3339.
func metaTime(meta map[string]any, names ...string) (time.Time, bool) {
	switch v := metaValue(meta, names...).(type) {
	case time.Time:
		return v.UTC(), true
	case string:
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
		return at.UTC(), err == nil
	}
	return time.Time{}, false
}

func metaValue(meta map[string]any, names ...string) any {
	for _, name := range names {
		for key, value := range meta {
			if strings.EqualFold(strings.ReplaceAll(key, "-", "_"), name) {
				switch value.(type) {
				case string, time.Time, fmt.Stringer, int, int64, float64:
					return value
				}
			}
		}
	}
	for _, value := range meta {
		if nested, ok := value.(map[string]any); ok {
			if v := metaValue(nested, names...); v != nil {
				return v
			}
		}
	}
	return nil
}
