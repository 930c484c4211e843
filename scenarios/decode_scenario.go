package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/redrill/redrill/scenarios/cron"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// scenarioSchema is the body of a scenario block: its attributes, its
// blocks, and a block per phase.
var scenarioSchema = withPhaseBlocks(&hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"},
		{Name: "owner"},
		{Name: "tags"},
		{Name: "timeout"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "postmortem"},
		{Type: "objective"},
		{Type: "schedule"},
		{Type: "runner"},
		{Type: "workload", LabelNames: []string{"name"}},
	},
})

func withPhaseBlocks(schema *hcl.BodySchema) *hcl.BodySchema {
	for _, stage := range phase.All() {
		schema.Blocks = append(schema.Blocks, hcl.BlockHeaderSchema{Type: string(stage)})
	}
	return schema
}

var postmortemSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "id"},
		{Name: "title", Required: true},
		{Name: "url"},
		{Name: "date"},
		{Name: "finding"},
	},
}

var objectiveSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "rto"}, {Name: "rpo"}, {Name: "downtime"}, {Name: "lost_writes"}},
}

var scheduleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "cron", Required: true}, {Name: "timezone"}},
}

// decodeScenarios decodes scenarios on every core: they are independent
// once variables and locals are known. Results keep the files' order.
func (l *loader) decodeScenarios(blocks hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*hcl.Block{}
	var unique hcl.Blocks
	for _, block := range blocks {
		name := block.Labels[0]
		if previous, ok := seen[name]; ok {
			diags = append(diags, duplicate("scenario", name, block, previous))
			continue
		}
		seen[name] = block
		if d := checkName("scenario", block); d != nil {
			diags = append(diags, d)
		}
		unique = append(unique, block)
	}

	decoded := make([]*Scenario, len(unique))
	decodedDiags := make([]hcl.Diagnostics, len(unique))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(unique)) {
		wg.Go(func() {
			for i := range next {
				decoded[i], decodedDiags[i] = l.decodeScenario(unique[i])
			}
		})
	}
	for i := range unique {
		next <- i
	}
	close(next)
	wg.Wait()

	l.set.Scenarios = decoded
	for _, d := range decodedDiags {
		diags = append(diags, d...)
	}
	return diags
}

func (l *loader) decodeScenario(block *hcl.Block) (*Scenario, hcl.Diagnostics) {
	ctx := l.set.evalContext
	sc := &Scenario{Name: block.Labels[0], Source: l.source(block)}
	sum := sha256.Sum256(sc.Source.Text)
	sc.Hash = hex.EncodeToString(sum[:])

	content, diags := block.Body.Content(scenarioSchema)
	diags = append(diags, decodeString(content.Attributes["description"], ctx, &sc.Description)...)
	diags = append(diags, decodeString(content.Attributes["owner"], ctx, &sc.Owner)...)
	diags = append(diags, decodeStringList(content.Attributes["tags"], ctx, &sc.Tags)...)
	diags = append(diags, decodeDuration(content.Attributes["timeout"], ctx, &sc.Timeout)...)

	byType := map[string]hcl.Blocks{}
	for _, b := range content.Blocks {
		if len(byType[b.Type]) > 0 && b.Type != "postmortem" && b.Type != "workload" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Duplicate %s block", b.Type),
				Detail:   fmt.Sprintf("A scenario has at most one %s block; the first is at %s. Merge them.", b.Type, at(byType[b.Type][0].DefRange)),
				Subject:  b.DefRange.Ptr(),
			})
			continue
		}
		byType[b.Type] = append(byType[b.Type], b)
	}

	for _, b := range byType["postmortem"] {
		pm, pmDiags := decodePostmortem(b, ctx)
		diags = append(diags, pmDiags...)
		sc.Postmortems = append(sc.Postmortems, pm)
	}
	objective := &hcl.BodyContent{Attributes: hcl.Attributes{}}
	if b := first(byType["objective"]); b != nil {
		objContent, objDiags := b.Body.Content(objectiveSchema)
		diags = append(diags, objDiags...)
		sc.Objective.Range = b.DefRange
		diags = append(diags, decodeDuration(objContent.Attributes["rto"], ctx, &sc.Objective.RTO)...)
		diags = append(diags, decodeDuration(objContent.Attributes["rpo"], ctx, &sc.Objective.RPO)...)
		diags = append(diags, decodeDuration(objContent.Attributes["downtime"], ctx, &sc.Objective.Downtime)...)
		if attr := objContent.Attributes["lost_writes"]; attr != nil {
			var lost int
			if lostDiags := decodeWholeNumber(attr, ctx, &lost); lostDiags.HasErrors() {
				diags = append(diags, lostDiags...)
			} else {
				lostWrites := int64(lost)
				sc.Objective.LostWrites = &lostWrites
			}
		}
		objective = objContent
	}
	if b := first(byType["schedule"]); b != nil {
		schedule, schedDiags := l.decodeSchedule(b, ctx)
		diags = append(diags, schedDiags...)
		sc.Schedule = schedule
	}
	if b := first(byType["runner"]); b != nil {
		wanted, runnerDiags := decodeRunner(b, ctx)
		diags = append(diags, runnerDiags...)
		sc.RunnerLabels = wanted
	}

	diags = append(diags, l.decodePhases(sc, byType)...)

	if len(sc.Recover) == 0 && (sc.RecoveredWhen == nil || len(sc.RecoveredWhen.Checks) == 0) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Nothing to recover",
			Detail:   fmt.Sprintf("Scenario %q has no recover step and no recovered_when check, so there is no recovery to time. Add a recover block with at least one step, or a recovered_when block with at least one check.", sc.Name),
			Subject:  block.DefRange.Ptr(),
		})
	}
	diags = append(diags, checkObjectiveMeasured(sc, objective)...)
	return sc, diags
}

func decodePostmortem(block *hcl.Block, ctx *hcl.EvalContext) (store.Postmortem, hcl.Diagnostics) {
	var pm store.Postmortem
	content, diags := block.Body.Content(postmortemSchema)
	diags = append(diags, decodeString(content.Attributes["id"], ctx, &pm.ID)...)
	diags = append(diags, decodeString(content.Attributes["title"], ctx, &pm.Title)...)
	diags = append(diags, decodeString(content.Attributes["url"], ctx, &pm.URL)...)
	diags = append(diags, decodeString(content.Attributes["date"], ctx, &pm.Date)...)
	diags = append(diags, decodeString(content.Attributes["finding"], ctx, &pm.Finding)...)
	if attr := content.Attributes["date"]; attr != nil && pm.Date != "" {
		if _, err := time.Parse(time.DateOnly, pm.Date); err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid date",
				Detail:   fmt.Sprintf("The postmortem date %q is not a date in the form YYYY-MM-DD, such as \"2026-03-14\".", pm.Date),
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
	}
	if attr := content.Attributes["url"]; attr != nil && pm.URL != "" {
		if d := checkWebURL(attr, pm.URL); d != nil {
			diags = append(diags, d)
		}
	}
	return pm, diags
}

func (l *loader) decodeSchedule(block *hcl.Block, ctx *hcl.EvalContext) (*Schedule, hcl.Diagnostics) {
	schedule := &Schedule{Location: time.UTC, Range: block.DefRange}
	content, diags := block.Body.Content(scheduleSchema)
	diags = append(diags, decodeString(content.Attributes["cron"], ctx, &schedule.Cron)...)
	if attr := content.Attributes["timezone"]; attr != nil {
		var zone string
		zoneDiags := decodeString(attr, ctx, &zone)
		diags = append(diags, zoneDiags...)
		if !zoneDiags.HasErrors() {
			location, err := l.location(zone)
			if err != nil || zone == "" || strings.EqualFold(zone, "local") {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid time zone",
					Detail:   fmt.Sprintf("%q is not a time zone name: use an IANA name such as \"UTC\", \"Europe/Paris\" or \"America/New_York\".", zone),
					Subject:  attr.Expr.Range().Ptr(),
				})
			} else {
				schedule.Location = location
			}
		}
	}
	if attr := content.Attributes["cron"]; attr != nil && schedule.Cron != "" {
		if d := checkCron(attr, schedule); d != nil {
			diags = append(diags, d)
		}
	}
	return schedule, diags
}

// checkCron parses the expression as the scheduler reads it into
// schedule.Ticks.
func checkCron(attr *hcl.Attribute, schedule *Schedule) *hcl.Diagnostic {
	if strings.HasPrefix(schedule.Cron, "TZ=") || strings.HasPrefix(schedule.Cron, "CRON_TZ=") {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Time zone inside cron",
			Detail:   "Give the time zone in the schedule's timezone attribute, not as a TZ= prefix of cron.",
			Subject:  attr.Expr.Range().Ptr(),
		}
	}
	ticks, err := cron.Parse(schedule.Cron, schedule.Location, time.Now())
	if err != nil {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid cron expression",
			Detail: fmt.Sprintf("%q is not a valid schedule: %s. Write 5 fields (minute hour day-of-month month day-of-week), such as \"0 3 * * SAT\", or 6 with seconds first, or a descriptor such as \"@daily\".",
				schedule.Cron, strings.ReplaceAll(err.Error(), "\n", ": ")),
			Subject: attr.Expr.Range().Ptr(),
		}
	}
	schedule.Ticks = ticks
	return nil
}

// checkWebURL requires an absolute http or https URL.
func checkWebURL(attr *hcl.Attribute, text string) *hcl.Diagnostic {
	parsed, err := url.Parse(text)
	if err == nil && (parsed.Scheme == "http" || parsed.Scheme == "https") && parsed.Host != "" {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid URL",
		Detail:   fmt.Sprintf("The %s attribute must be an absolute http:// or https:// URL.", attr.Name),
		Subject:  attr.Expr.Range().Ptr(),
	}
}

// source returns where a block was written and its text: from its type
// (native syntax) or its name (JSON syntax) to its closing brace. A JSON
// body does not expose its extent, but it ends where a missing item would
// be reported: at its closing brace.
func (l *loader) source(block *hcl.Block) Source {
	file := l.set.Files[block.DefRange.Filename]
	src := Source{File: block.DefRange.Filename, Range: block.DefRange}
	if file == nil {
		return src
	}
	start, end := block.DefRange, block.Body.MissingItemRange()
	if body, ok := block.Body.(*hclsyntax.Body); ok {
		end = body.SrcRange
	} else if len(block.LabelRanges) > 0 {
		start = block.LabelRanges[0]
	}
	whole := hcl.RangeBetween(start, end)
	if end.Filename != start.Filename || whole.Start.Byte > whole.End.Byte || whole.End.Byte > len(file.Bytes) {
		src.Text = file.Bytes
		return src
	}
	src.Range = whole
	src.Text = file.Bytes[whole.Start.Byte:whole.End.Byte]
	return src
}

func first(blocks hcl.Blocks) *hcl.Block {
	if len(blocks) == 0 {
		return nil
	}
	return blocks[0]
}

// location loads a time zone once per load: reading zoneinfo is slow, and
// many scenarios share a zone.
func (l *loader) location(zone string) (*time.Location, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if location, ok := l.zones[zone]; ok {
		return location, nil
	}
	location, err := time.LoadLocation(zone)
	if err == nil {
		l.zones[zone] = location
	}
	return location, err
}

// checkObjectiveMeasured requires each objective to have what measures it.
func checkObjectiveMeasured(sc *Scenario, objective *hcl.BodyContent) hcl.Diagnostics {
	verified := slices.ContainsFunc(sc.Workloads, func(w *Workload) bool { return w.Verify != nil })
	var diags hcl.Diagnostics
	require := func(name string, measured bool, summary, detail string) {
		if attr := objective.Attributes[name]; attr != nil && !measured {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: attr.Range.Ptr()})
		}
	}
	require("rpo", sc.DataLoss != nil || verified, "RPO without data_loss",
		"An rpo objective needs what measures data loss: a data_loss block that finds the newest record after recovery, or a workload with a verify block; add one, or remove rpo.")
	require("downtime", len(sc.Workloads) > 0, "Downtime without a workload",
		"A downtime objective is the longest outage a workload's clients may see: add a workload block that sends what clients send, or remove downtime.")
	require("lost_writes", verified, "lost_writes without a verified workload",
		"A lost_writes objective counts acknowledged writes that did not survive: add a workload whose verify block reads the writes back after recovery, or remove lost_writes.")
	return diags
}
