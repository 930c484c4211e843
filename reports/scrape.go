package reports

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// family is one metric of /metrics: its name, help and kind for the
// exposition, and its descriptor for the client library's checks of the
// series (label count, valid text).
type family struct {
	name, help string
	kind       prometheus.ValueType
	labels     []string
	desc       *prometheus.Desc
}

func gaugeFamily(name, help string, labels ...string) *family {
	return &family{name: name, help: help, kind: prometheus.GaugeValue, labels: labels, desc: prometheus.NewDesc(name, help, labels, nil)}
}

func counterFamily(name, help string, labels ...string) *family {
	f := gaugeFamily(name, help, labels...)
	f.kind = prometheus.CounterValue
	return f
}

// sample is one series of a scrape, before it is written.
type sample struct {
	family *family
	value  float64
	labels []string
}

// samples collects the series of one scrape.
type samples []sample

func (s *samples) add(f *family, value float64, labels ...string) {
	*s = append(*s, sample{family: f, value: value, labels: labels})
}

// scenario is the scenario a series belongs to: its first label when the
// family's first label is scenario, else "" (redrill's own series).
func (s sample) scenario() string {
	if len(s.family.labels) > 0 && s.family.labels[0] == "scenario" {
		return s.labels[0]
	}
	return ""
}

// scrapeText writes the exposition of a scrape from pieces: the series
// of each scenario are written once and kept while they read the same,
// so that a scrape after one drill finished writes that drill's scenario
// again, not the thousand others. Each piece is written by the client
// library's encoder (expfmt); only whole lines of it are moved.
type scrapeText struct {
	mu      sync.Mutex
	pieces  map[string]*scrapePiece // by scenario; "" for redrill's own series
	headers map[string][]byte       // a family's HELP and TYPE lines, by name
	// body and gzipped are the last exposition, kept while no piece
	// changed; gzipped is written when first asked for.
	body, gzipped []byte
	// rewritten counts the pieces written again, for tests.
	rewritten int
}

// scrapePiece is what one scenario's series were written as.
type scrapePiece struct {
	series []sample
	lines  map[string][]byte // the sample lines of each family, by name
}

func newScrapeText() *scrapeText {
	return &scrapeText{pieces: map[string]*scrapePiece{}, headers: map[string][]byte{}}
}

// write returns the exposition of series in the text format, and its
// gzip encoding when compress is asked for. The bytes returned are not
// written to again: a later scrape makes new ones.
func (t *scrapeText) write(series samples, compress bool) ([]byte, error) {
	counts := map[string]int{}
	for _, s := range series {
		counts[s.scenario()]++
	}
	byScenario := make(map[string][]sample, len(counts))
	for scenario, n := range counts {
		byScenario[scenario] = make([]sample, 0, n)
	}
	for _, s := range series {
		byScenario[s.scenario()] = append(byScenario[s.scenario()], s)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	changed := len(byScenario) != len(t.pieces) || t.body == nil
	for _, scenario := range slices.Sorted(maps.Keys(byScenario)) {
		series := byScenario[scenario]
		piece := t.pieces[scenario]
		if piece != nil && sameSeries(piece.series, series) {
			continue
		}
		written, err := t.writePiece(series)
		if err != nil {
			// Pieces of this scrape may be in; the body is not: the next
			// scrape writes it again, whatever it compares.
			t.body, t.gzipped = nil, nil
			return nil, fmt.Errorf("series of %q: %w", scenario, err)
		}
		t.pieces[scenario], changed = written, true
	}
	for scenario := range t.pieces {
		if _, ok := byScenario[scenario]; !ok {
			delete(t.pieces, scenario)
		}
	}
	if changed {
		t.body, t.gzipped = t.assemble(), nil
	}
	if !compress {
		return t.body, nil
	}
	if t.gzipped == nil {
		compressed, err := gzipped(t.body)
		if err != nil {
			return nil, err
		}
		t.gzipped = compressed
	}
	return t.gzipped, nil
}

// writePiece writes the series of one scenario, family by family.
func (t *scrapeText) writePiece(series []sample) (*scrapePiece, error) {
	t.rewritten++
	piece := &scrapePiece{series: series, lines: map[string][]byte{}}
	byFamily := map[*family][]*dto.Metric{}
	var order []*family
	for _, s := range series {
		metric, err := prometheus.NewConstMetric(s.family.desc, s.family.kind, s.value, s.labels...)
		if err != nil {
			return nil, err
		}
		written := &dto.Metric{}
		if err := metric.Write(written); err != nil {
			return nil, err
		}
		if _, seen := byFamily[s.family]; !seen {
			order = append(order, s.family)
		}
		byFamily[s.family] = append(byFamily[s.family], written)
	}
	for _, f := range order {
		if _, dup := piece.lines[f.name]; dup {
			return nil, fmt.Errorf("two families named %s", f.name)
		}
		metrics := byFamily[f]
		// By label values, as Gather sorts a family's series; across
		// pieces they follow the scenarios' order instead, which
		// Prometheus does not mind.
		slices.SortStableFunc(metrics, compareLabels)
		for i := 1; i < len(metrics); i++ {
			// The registry refused a series collected twice; so do pieces.
			if compareLabels(metrics[i-1], metrics[i]) == 0 {
				return nil, fmt.Errorf("%s collected twice with the same labels", f.name)
			}
		}
		kind := dto.MetricType_GAUGE
		if f.kind == prometheus.CounterValue {
			kind = dto.MetricType_COUNTER
		}
		var text bytes.Buffer
		if _, err := expfmt.MetricFamilyToText(&text, &dto.MetricFamily{Name: &f.name, Help: &f.help, Type: &kind, Metric: metrics}); err != nil {
			return nil, err
		}
		// The encoder writes the HELP and TYPE comment lines, then one
		// line per sample: the comments are the family's header, written
		// once in the whole exposition.
		header, lines := splitComments(text.Bytes())
		if _, ok := t.headers[f.name]; !ok {
			t.headers[f.name] = header
		}
		piece.lines[f.name] = lines
	}
	return piece, nil
}

// assemble writes every family once: its header, then the lines of each
// piece, redrill's own first, then the scenarios in order.
func (t *scrapeText) assemble() []byte {
	var names, scenarios []string
	size := 0
	for scenario, piece := range t.pieces {
		scenarios = append(scenarios, scenario)
		for name, lines := range piece.lines {
			names = append(names, name)
			size += len(lines)
		}
	}
	slices.Sort(scenarios)
	slices.Sort(names)
	names = slices.Compact(names)
	body := make([]byte, 0, size+len(names)*256)
	for _, name := range names {
		body = append(body, t.headers[name]...)
		for _, scenario := range scenarios {
			body = append(body, t.pieces[scenario].lines[name]...)
		}
	}
	return body
}

// splitComments cuts text into its leading comment lines and the rest.
func splitComments(text []byte) (comments, rest []byte) {
	at := 0
	for at < len(text) && text[at] == '#' {
		end := bytes.IndexByte(text[at:], '\n')
		if end < 0 {
			return text, nil
		}
		at += end + 1
	}
	return slices.Clip(text[:at]), text[at:]
}

// sameSeries tells whether two scrapes of a scenario read the same. The
// collector writes a scenario's series in one order (never a map's), so
// that the same series compare equal.
func sameSeries(a, b []sample) bool {
	return slices.EqualFunc(a, b, func(x, y sample) bool {
		return x.family == y.family && math.Float64bits(x.value) == math.Float64bits(y.value) && slices.Equal(x.labels, y.labels)
	})
}

func compareLabels(a, b *dto.Metric) int {
	for i := range min(len(a.Label), len(b.Label)) {
		if c := strings.Compare(a.Label[i].GetValue(), b.Label[i].GetValue()); c != 0 {
			return c
		}
	}
	return len(a.Label) - len(b.Label)
}

// scrapeHandler serves /metrics from the collector through scrapeText.
type scrapeHandler struct {
	collector *collector
	text      *scrapeText
}

func (h scrapeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), scrapeTimeout)
	defer cancel()
	gzipped := acceptsGzip(r.Header.Get("Accept-Encoding"))
	body, err := h.text.write(h.collector.collect(ctx), gzipped)
	if err != nil {
		http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	if gzipped {
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// gzipped is body gzipped at the fastest level: a page or a scrape of a
// thousand scenarios is most of a megabyte or more, and its client waits.
func gzipped(body []byte) ([]byte, error) {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// acceptsGzip tells whether an Accept-Encoding header takes gzip (and
// does not refuse it with q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !found {
			return true
		}
		weight, err := strconv.ParseFloat(q, 64)
		return err == nil && weight > 0
	}
	return false
}
