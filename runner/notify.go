package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redrill/redrill/internal/secret"
	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// Webhook delivery: each post is bounded, retried, and never fails or
// delays a drill.
const (
	webhookTimeout  = 10 * time.Second
	webhookAttempts = 3
)

// Notifier posts drill events to the webhooks of notify blocks.
type Notifier struct {
	// DashboardURL, when set, is where `redrill serve` shows runs; posts
	// then link to the run at DashboardURL/runs/ID.
	DashboardURL string
	targets      []*scenarios.Notifier
	client       *http.Client
	logger       *slog.Logger
	retry        time.Duration
	wg           sync.WaitGroup
}

// NewNotifier posts to every notify block of a set; logger receives
// delivery failures, with webhook URLs of sensitive notifiers hidden.
func NewNotifier(targets []*scenarios.Notifier, logger *slog.Logger) *Notifier {
	return &Notifier{targets: targets, client: &http.Client{Timeout: webhookTimeout}, logger: logger, retry: time.Second}
}

// Observe is a runner Options.Observe; combine it with output by calling both.
func (n *Notifier) Observe(e store.Event) {
	var event string
	switch e.Type {
	case store.EventStart:
		event = "start"
	case store.EventEnd:
		event = "finish"
	default:
		return
	}
	for _, target := range n.targets {
		if !slices.Contains(target.On, event) {
			continue
		}
		body, err := payload(target.Format, event, e.Record, n.runURL(e.Record.ID))
		if err != nil {
			n.logger.Error("notify: build payload", "notifier", target.Name, "error", err)
			continue
		}
		n.wg.Go(func() { n.post(target, body) })
	}
}

// Wait waits for the posts under way, at most until ctx ends.
func (n *Notifier) Wait(ctx context.Context) {
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (n *Notifier) post(target *scenarios.Notifier, body []byte) {
	// The URL of a webhook often is its credential (a token in the path
	// of a Slack hook, a key in the query, a user and password): logs say
	// scheme://host/path at most.
	where := secret.URLWithoutSecrets(target.Webhook)
	if target.Sensitive {
		where = secret.Hidden
	}
	var lastErr error
	for attempt := 1; attempt <= webhookAttempts; attempt++ {
		resp, err := n.client.Post(target.Webhook, "application/json", bytes.NewReader(body))
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode < 300 {
				return
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		lastErr = err
		if attempt < webhookAttempts {
			time.Sleep(n.retry * time.Duration(attempt))
		}
	}
	// The client's errors quote the URL it was given, query and all.
	var urlErr *url.Error
	if errors.As(lastErr, &urlErr) {
		urlErr.URL = where
	}
	message := strings.ReplaceAll(lastErr.Error(), target.Webhook, where)
	n.logger.Warn("notify: webhook failed; the drill is not affected", "notifier", target.Name, "webhook", where, "attempts", webhookAttempts, "error", message)
}

// runURL is the dashboard page of a run, or empty without a dashboard.
func (n *Notifier) runURL(id string) string {
	if n.DashboardURL == "" {
		return ""
	}
	return strings.TrimSuffix(n.DashboardURL, "/") + "/runs/" + id
}

// payload builds the body of a post: the run's JSON form, or a Slack
// message; both link to the run when there is a dashboard.
func payload(format, event string, record store.Record, runURL string) ([]byte, error) {
	if format == "slack" {
		text := fmt.Sprintf("redrill: drill *%s* started (run %s)", record.Scenario, record.ID)
		if event == "finish" {
			text = "redrill: " + strings.ReplaceAll(reports.Summary(record), "\n  ", "\n")
		}
		if runURL != "" {
			text += "\n" + runURL
		}
		return json.Marshal(map[string]string{"text": text})
	}
	return json.Marshal(struct {
		Event string          `json:"event"`
		Run   reports.RunJSON `json:"run"`
		URL   string          `json:"url,omitempty"`
	}{event, reports.NewRunJSON(record), runURL})
}
