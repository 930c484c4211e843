package checks

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

func TestHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"role": "primary", "lag_seconds": 0.5}`)
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database unavailable", http.StatusInternalServerError)
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "OK, but {not json")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s token=%s", r.Method, body, r.Header.Get("X-Drill-Token"))
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/health", http.StatusFound)
	})
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	httpKind := kind(t, "http")

	tests := []struct {
		name        string
		attrs       map[string]cty.Value
		wantPassed  bool
		wantMessage string
		wantFields  map[string]any
		wantJSON    cty.Value
	}{
		{
			name:       "a JSON health endpoint passes and is decoded",
			attrs:      map[string]cty.Value{"url": cty.StringVal(server.URL + "/health")},
			wantPassed: true,
			wantFields: map[string]any{"status": 200.0, "error": ""},
			wantJSON:   cty.ObjectVal(map[string]cty.Value{"role": cty.StringVal("primary"), "lag_seconds": cty.NumberFloatVal(0.5)}),
		},
		{
			name:        "a 500 fails with its status",
			attrs:       map[string]cty.Value{"url": cty.StringVal(server.URL + "/broken")},
			wantMessage: "status 500 Internal Server Error",
			wantFields:  map[string]any{"status": 500.0, "body": "database unavailable\n"},
		},
		{
			name:       "a body that is not JSON has json null",
			attrs:      map[string]cty.Value{"url": cty.StringVal(server.URL + "/text")},
			wantPassed: true,
			wantFields: map[string]any{"body": "OK, but {not json"},
			wantJSON:   cty.NullVal(cty.DynamicPseudoType),
		},
		{
			name: "method, headers and body are sent",
			attrs: map[string]cty.Value{
				"url":     cty.StringVal(server.URL + "/echo"),
				"method":  cty.StringVal("POST"),
				"body":    cty.StringVal("drill"),
				"headers": cty.MapVal(map[string]cty.Value{"X-Drill-Token": cty.StringVal("abc")}),
			},
			wantPassed: true,
			wantFields: map[string]any{"body": "POST drill token=abc"},
		},
		{
			name:       "redirects are followed by default",
			attrs:      map[string]cty.Value{"url": cty.StringVal(server.URL + "/moved")},
			wantPassed: true,
			wantFields: map[string]any{"status": 200.0},
		},
		{
			name: "follow_redirects = false returns the redirect",
			attrs: map[string]cty.Value{
				"url":              cty.StringVal(server.URL + "/moved"),
				"follow_redirects": cty.False,
			},
			wantPassed: true,
			wantFields: map[string]any{"status": 302.0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outcome := execute(t, Call{Kind: httpKind, Config: config(t, httpKind, tt.attrs)})
			if outcome.Passed != tt.wantPassed || outcome.Message != tt.wantMessage {
				t.Errorf("passed=%v message=%q, want %v %q", outcome.Passed, outcome.Message, tt.wantPassed, tt.wantMessage)
			}
			for name, want := range tt.wantFields {
				if got := field(t, outcome.Result, name); got != want {
					t.Errorf("%s = %#v, want %#v", name, got, want)
				}
			}
			if tt.wantJSON != cty.NilVal && !outcome.Result.GetAttr("json").RawEquals(tt.wantJSON) {
				t.Errorf("json = %#v, want %#v", outcome.Result.GetAttr("json"), tt.wantJSON)
			}
		})
	}
}

func TestHTTPServerThatHangsTimesOut(t *testing.T) {
	release := make(chan struct{})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); server.Close() })
	httpKind := kind(t, "http")

	started := time.Now()
	outcome := execute(t, Call{Kind: httpKind, Config: config(t, httpKind, map[string]cty.Value{
		"url":     cty.StringVal(server.URL),
		"timeout": cty.StringVal("200ms"),
	})})
	if outcome.Passed || !strings.HasPrefix(outcome.Message, "timed out after 200ms") {
		t.Errorf("passed=%v message=%q, want a timeout", outcome.Passed, outcome.Message)
	}
	if elapsed := time.Since(started); elapsed > 2*time.Second {
		t.Errorf("the check returned after %s; its timeout was 200ms", elapsed)
	}
	if field(t, outcome.Result, "status") != nil {
		t.Errorf("status = %v, want null", field(t, outcome.Result, "status"))
	}
}

func TestHTTPRefusedConnectionHidesThePassword(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	listener.Close() // nothing listens there now
	httpKind := kind(t, "http")

	outcome := execute(t, Call{Kind: httpKind, Config: config(t, httpKind, map[string]cty.Value{
		"url": cty.StringVal("http://admin:pa55word@" + address + "/health"),
	})})
	if outcome.Passed || !strings.Contains(outcome.Message, "connection refused") {
		t.Errorf("passed=%v message=%q, want connection refused", outcome.Passed, outcome.Message)
	}
	if strings.Contains(outcome.Message, "pa55word") || strings.Contains(field(t, outcome.Result, "error").(string), "pa55word") {
		t.Errorf("the password is visible: %q", outcome.Message)
	}
}

func TestHTTPTLSVerification(t *testing.T) {
	server := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secure")
	}))
	t.Cleanup(server.Close)
	httpKind := kind(t, "http")

	verified := execute(t, Call{Kind: httpKind, Config: config(t, httpKind, map[string]cty.Value{"url": cty.StringVal(server.URL)})})
	if verified.Passed || !strings.Contains(verified.Message, "certificate") {
		t.Errorf("a self-signed certificate was accepted by default: passed=%v %q", verified.Passed, verified.Message)
	}
	skipped := execute(t, Call{Kind: httpKind, Config: config(t, httpKind, map[string]cty.Value{
		"url":                  cty.StringVal(server.URL),
		"insecure_skip_verify": cty.True,
	})})
	if !skipped.Passed || field(t, skipped.Result, "body") != "secure" {
		t.Errorf("insecure_skip_verify: passed=%v %q", skipped.Passed, skipped.Message)
	}
}
