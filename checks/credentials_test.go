package checks

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Passwords that appear only in what a check returned, never in its
// configuration, must still read (sensitive) in its result and message.
func TestCredentialsOnlyInResultsAreRedacted(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/config", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"dsn": "postgres://app:OnlyInBody@db/x", "replica": "host=db user=app password=KeywordInBody"}`)
	})
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)

	tests := []struct {
		name        string
		kind        string
		attrs       map[string]cty.Value
		judge       func(cty.Value) (bool, string)
		secret      string
		wantField   string
		want        string
		wantMessage string
	}{
		{
			name:      "a DSN in an http body",
			kind:      "http",
			attrs:     map[string]cty.Value{"url": cty.StringVal(server.URL + "/config")},
			secret:    "KeywordInBody",
			wantField: "body",
			// An unquoted keyword password ends at a space or ; only, so
			// the closing "} goes with it: better too much hidden than a
			// password ending in } half shown.
			want: `{"dsn": "postgres://app:(sensitive)@db/x", "replica": "host=db user=app password=(sensitive)`,
		},
		{
			name:      "a DSN printed by a command",
			kind:      "command",
			attrs:     map[string]cty.Value{"run": strs("sh", "-c", "echo connecting to postgres://app:OnlyInStdout@db/x; echo retrying with OnlyInStdout")},
			secret:    "OnlyInStdout",
			wantField: "stdout",
			want:      "connecting to postgres://app:(sensitive)@db/x\nretrying with (sensitive)\n",
		},
		{
			name:        "a DSN on stderr of a failing command",
			kind:        "command",
			attrs:       map[string]cty.Value{"run": strs("sh", "-c", "echo 'FATAL: postgresql://restore:OnlyInStderr@10.0.0.5:5432/orders refused' >&2; exit 3")},
			secret:      "OnlyInStderr",
			wantField:   "stderr",
			want:        "FATAL: postgresql://restore:(sensitive)@10.0.0.5:5432/orders refused\n",
			wantMessage: "exit code 3",
		},
		{
			name:  "a failing assert that quotes the body",
			kind:  "http",
			attrs: map[string]cty.Value{"url": cty.StringVal(server.URL + "/config")},
			judge: func(result cty.Value) (bool, string) {
				return false, "unexpected body " + result.GetAttr("body").AsString()
			},
			secret:      "OnlyInBody",
			wantField:   "body",
			want:        `{"dsn": "postgres://app:(sensitive)@db/x", "replica": "host=db user=app password=(sensitive)`,
			wantMessage: `unexpected body {"dsn": "postgres://app:(sensitive)@db/x"`,
		},
		{
			name:        "a DSN in the error of a check that could not run",
			kind:        "command",
			attrs:       map[string]cty.Value{"run": strs("/nonexistent/postgres://app:OnlyInError@db/x")},
			secret:      "OnlyInError",
			wantField:   "error",
			want:        "postgres://app:(sensitive)@db/x",
			wantMessage: "postgres://app:(sensitive)@db/x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := kind(t, tt.kind)
			outcome := execute(t, Call{Kind: k, Config: config(t, k, tt.attrs), Judge: tt.judge})
			got, _ := field(t, outcome.Result, tt.wantField).(string)
			if !strings.Contains(got, tt.want) {
				t.Errorf("result.%s = %q, want it to contain %q", tt.wantField, got, tt.want)
			}
			if !strings.Contains(outcome.Message, tt.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", outcome.Message, tt.wantMessage)
			}
			whole, err := ctyjson.Marshal(outcome.Result, outcome.Result.Type())
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(whole), tt.secret) || strings.Contains(outcome.Message, tt.secret) {
				t.Errorf("the password %q shows:\nresult %s\nmessage %q", tt.secret, whole, outcome.Message)
			}
		})
	}
}
