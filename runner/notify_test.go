package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// A receiver records what webhooks post.
type receiver struct {
	mu     sync.Mutex
	bodies []string
}

func (r *receiver) handler(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, string(body))
		r.mu.Unlock()
		w.WriteHeader(status)
	}
}

func TestWebhooks(t *testing.T) {
	ok, failing := &receiver{}, &receiver{}
	okServer := httptest.NewServer(ok.handler(http.StatusOK))
	defer okServer.Close()
	failingServer := httptest.NewServer(failing.handler(http.StatusInternalServerError))
	defer failingServer.Close()
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(release)

	src := `scenario "notified" {
		objective { rto = "1m" }
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
	}
	notify "json" {
		webhook = "` + okServer.URL + `"
	}
	notify "slack" {
		webhook = "` + okServer.URL + `/slack"
		format  = "slack"
		on      = ["finish"]
	}
	notify "broken" {
		webhook = "` + failingServer.URL + `"
	}
	notify "hangs" {
		webhook = "` + hanging.URL + `"
	}`
	src = strings.ReplaceAll(src, "objective { rto = \"1m\" }", "objective {\n rto = \"1m\"\n }")
	set, diags := scenarios.LoadSources(map[string][]byte{"n.hcl": []byte(src)}, scenarios.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var logs bytes.Buffer
	notifier := NewNotifier(set.Notifiers, slog.New(slog.NewTextHandler(&logs, nil)))
	notifier.retry = 10 * time.Millisecond
	notifier.client.Timeout = 200 * time.Millisecond
	notifier.DashboardURL = "http://drills.example:8080/"
	history, err := store.Open(context.Background(), t.TempDir()+"/h.db", store.Options{SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer history.Close()

	result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history, Observe: notifier.Observe})
	if result.Verdict != store.VerdictMet {
		t.Fatalf("a webhook changed the drill: %s %s", result.Verdict, result.Reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	notifier.Wait(ctx)

	ok.mu.Lock()
	defer ok.mu.Unlock()
	if len(ok.bodies) != 3 {
		t.Fatalf("%d posts received, want start and finish as JSON and finish for Slack: %q", len(ok.bodies), ok.bodies)
	}
	var finish struct {
		Event string `json:"event"`
		Run   struct {
			Verdict string `json:"verdict"`
		} `json:"run"`
		URL string `json:"url"`
	}
	var slack struct {
		Text string `json:"text"`
	}
	for _, body := range ok.bodies {
		if strings.Contains(body, `"event":"finish"`) {
			_ = json.Unmarshal([]byte(body), &finish)
		}
		if strings.Contains(body, `"text"`) {
			_ = json.Unmarshal([]byte(body), &slack)
		}
	}
	runURL := "http://drills.example:8080/runs/" + result.ID
	if finish.Run.Verdict != "met" || finish.URL != runURL || !strings.Contains(slack.Text, "notified: MET") || !strings.Contains(slack.Text, runURL) {
		t.Errorf("finish %+v, slack %q", finish, slack.Text)
	}
	failing.mu.Lock()
	defer failing.mu.Unlock()
	if len(failing.bodies) != 2*webhookAttempts {
		t.Errorf("the failing webhook got %d posts, want %d (start and finish, each retried)", len(failing.bodies), 2*webhookAttempts)
	}
	if !strings.Contains(logs.String(), "notifier=broken") || !strings.Contains(logs.String(), "notifier=hangs") {
		t.Errorf("failures not logged:\n%s", logs.String())
	}
}

// A failed webhook is logged as scheme://host/path: the rest of its URL
// (user, password, query) is how webhooks are authorised.
func TestFailedWebhookLogHidesTheURLsCredentials(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer failing.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()

	hostOf := func(server *httptest.Server) string { return strings.TrimPrefix(server.URL, "http://") }
	tests := []struct {
		name    string
		webhook string
		want    string
	}{
		{
			name:    "an error status from an upper-case URL with a key",
			webhook: "HTTP://" + hostOf(failing) + "/hook?key=SECRET-KEY",
			want:    "webhook=http://" + hostOf(failing) + "/hook ",
		},
		{
			name:    "a refused connection to a URL with a user and password",
			webhook: "http://bot:SECRET-PW@" + hostOf(gone) + "/hook?token=SECRET-KEY",
			want:    "webhook=http://" + hostOf(gone) + "/hook ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			notifier := NewNotifier([]*scenarios.Notifier{{Name: "ops", Webhook: tt.webhook, Format: "json", On: []string{"finish"}}},
				slog.New(slog.NewTextHandler(&logs, nil)))
			notifier.retry = time.Millisecond
			notifier.Observe(store.Event{Type: store.EventEnd, Record: store.Record{Run: store.Run{ID: "run-1", Scenario: "restore"}}})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			notifier.Wait(ctx)
			logged := logs.String()
			if !strings.Contains(logged, "notify: webhook failed") || !strings.Contains(logged, tt.want) {
				t.Errorf("log does not say %q:\n%s", tt.want, logged)
			}
			for _, secret := range []string{"SECRET-KEY", "SECRET-PW", "bot:", "key=", "token="} {
				if strings.Contains(logged, secret) {
					t.Errorf("log shows %q:\n%s", secret, logged)
				}
			}
		})
	}
}
