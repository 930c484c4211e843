package checks

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/internal/mysqltest"
	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/scenarios/duration"
)

// contractDir holds each kind's inputs to TestKindContract, one folder a
// kind; its README says what each file is for.
const contractDir = "testdata/contract"

var contractFiles = []string{"example.hcl", "timeout.hcl", "secret.hcl"}

// contractSecret is put into configurations by secret.hcl.
const contractSecret = "Xq7ContractSecret"

// contractTimeout is the step timeout a hanging check must end within.
const contractTimeout = 300 * time.Millisecond

// TestKindContract holds every registered kind to what the runner assumes
// of a kind. A kind without its inputs in testdata/contract/<kind>/ fails,
// so a new kind comes with its own.
func TestKindContract(t *testing.T) {
	registry := Builtin()
	for _, name := range registry.Names() {
		t.Run(name, func(t *testing.T) {
			k, _ := registry.Lookup(name)
			for _, file := range contractFiles {
				if _, err := os.Stat(filepath.Join(contractDir, name, file)); err != nil {
					t.Fatalf("kind %s has no %s/%s/%s: every kind needs one (see %s/README.md): %v", name, contractDir, name, file, contractDir, err)
				}
			}
			t.Run("its schema decodes the example", func(t *testing.T) { contractSchema(t, k) })
			t.Run("its result type holds the error field", func(t *testing.T) { contractResultType(t, k) })
			t.Run("an all-null result fails with a message", func(t *testing.T) { contractAllNull(t, k) })
			t.Run("a hanging check ends with the step timeout", func(t *testing.T) { contractTimeoutHonoured(t, k) })
			t.Run("secrets in the configuration are redacted", func(t *testing.T) { contractSecretsRedacted(t, k) })
			for _, variant := range contractVariants(t, name) {
				t.Run(variant, func(t *testing.T) {
					t.Run("a hanging check ends with the step timeout", func(t *testing.T) { contractTimeoutHonoured(t, k, variant) })
					t.Run("secrets in the configuration are redacted", func(t *testing.T) { contractSecretsRedacted(t, k, variant) })
				})
			}
		})
	}
}

// contractVariants are the subfolders of a kind's inputs: a variant of
// the kind that reaches another kind of server (the sql kind's mysql
// driver), with a timeout.hcl and a secret.hcl of its own.
func contractVariants(t *testing.T, kind string) []string {
	entries, err := os.ReadDir(filepath.Join(contractDir, kind))
	if err != nil {
		t.Fatal(err)
	}
	var variants []string
	for _, entry := range entries {
		if entry.IsDir() {
			variants = append(variants, entry.Name())
		}
	}
	return variants
}

// Every folder of inputs is for a registered kind: a renamed or removed
// kind does not leave them behind.
func TestContractInputsAreForRegisteredKinds(t *testing.T) {
	entries, err := os.ReadDir(contractDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		if _, ok := Builtin().Lookup(entry.Name()); entry.IsDir() && !ok {
			t.Errorf("%s/%s is not a registered kind", contractDir, entry.Name())
		}
	}
}

func contractSchema(t *testing.T, k Kind) {
	example := contractConfig(t, k, "example.hcl")
	// A kind with a timeout attribute reads it; the example sets it.
	if example.Type().HasAttribute("timeout") && !example.GetAttr("timeout").IsNull() {
		text := example.GetAttr("timeout").AsString()
		want, err := duration.Parse(text)
		if got := k.Timeout(example); err != nil || got != want {
			t.Errorf("Timeout of the example = %s, want its timeout attribute %q", got, text)
		}
	}
	unset := config(t, k, nil)
	if got := k.Timeout(unset); got != 0 {
		t.Errorf("Timeout of a block that sets no attribute = %s, want 0", got)
	}
	if got := k.DefaultTimeout(); got < 0 {
		t.Errorf("DefaultTimeout = %s, want zero (none) or more", got)
	}
}

func contractResultType(t *testing.T, k Kind) {
	ty := k.ResultType()
	if !ty.IsObjectType() {
		t.Fatalf("result type is %s, want an object", ty.FriendlyName())
	}
	if !ty.HasAttribute(ErrorField) || !ty.AttributeType(ErrorField).Equals(cty.String) {
		t.Errorf("result type %s has no string field %q", ty.FriendlyName(), ErrorField)
	}
}

func contractAllNull(t *testing.T, k Kind) {
	attrs := map[string]cty.Value{}
	for name, ty := range k.ResultType().AttributeTypes() {
		attrs[name] = cty.NullVal(ty)
	}
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("Succeeded panicked on an all-null result: %v", r)
		}
	}()
	ok, message := k.Succeeded(cty.ObjectVal(attrs))
	if ok || message == "" {
		t.Errorf("Succeeded(all null) = %v, %q; want a failure that says why", ok, message)
	}
}

func contractTimeoutHonoured(t *testing.T, k Kind, variant ...string) {
	call := Call{Kind: k, Config: contractConfig(t, k, filepath.Join(append(variant, "timeout.hcl")...)), Timeout: contractTimeout}
	env := contractEnv(t)
	done := make(chan Outcome, 1)
	go func() { done <- env.Execute(t.Context(), call) }()
	// A command killed at its timeout may hold its pipes for killGrace.
	deadline := time.NewTimer(contractTimeout + killGrace + time.Second)
	defer deadline.Stop()
	select {
	case outcome := <-done:
		if outcome.Passed || !strings.Contains(outcome.Message, "timed out after "+contractTimeout.String()) {
			t.Errorf("passed=%v message=%q, want a failure that says it timed out after %s", outcome.Passed, outcome.Message, contractTimeout)
		}
	case <-deadline.C:
		t.Fatalf("the check is still running %s after its timeout of %s", killGrace+time.Second, contractTimeout)
	}
}

func contractSecretsRedacted(t *testing.T, k Kind, variant ...string) {
	call := Call{Kind: k, Config: contractConfig(t, k, filepath.Join(append(variant, "secret.hcl")...)), Timeout: 10 * time.Second}
	if !strings.Contains(call.Config.GoString(), contractSecret) {
		t.Fatalf("secret.hcl does not put {{secret}} in the configuration")
	}
	outcome := contractEnv(t, contractSecret).Execute(t.Context(), call)
	result := outcome.Result.GoString()
	if strings.Contains(outcome.Message, contractSecret) || strings.Contains(result, contractSecret) {
		t.Errorf("the secret is visible: message=%q result=%s", outcome.Message, result)
	}
	// The check must have returned the secret for the redaction to be seen.
	if !strings.Contains(outcome.Message+result, Redacted) {
		t.Errorf("nothing was redacted; secret.hcl should make the check return the secret: message=%q result=%s", outcome.Message, result)
	}
}

func contractEnv(t *testing.T, secrets ...string) *Env {
	env := NewEnv(Deps{}, secrets...)
	t.Cleanup(func() { _ = env.Close() })
	return env
}

// contractConfig reads a kind's input, fills in its template and decodes it
// with the kind's schema, as a scenario's block is.
func contractConfig(t *testing.T, k Kind, file string) cty.Value {
	t.Helper()
	path := filepath.Join(contractDir, k.Name(), file)
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.New(file).Funcs(contractFuncs(t)).Parse(string(text))
	if err != nil {
		t.Fatalf("template %s: %v", path, err)
	}
	var filled bytes.Buffer
	if err := tmpl.Execute(&filled, nil); err != nil {
		t.Fatalf("fill in %s: %v", path, err)
	}
	parsed, diags := hclsyntax.ParseConfig(filled.Bytes(), path, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse %s: %v", path, diags)
	}
	value, diags := hcldec.Decode(parsed.Body, k.Spec(), nil)
	if diags.HasErrors() {
		t.Fatalf("decode %s with the %s schema: %v", path, k.Name(), diags)
	}
	return value
}

// contractFuncs are what an input's template can ask for; each starts what
// it names only when asked, for the test that asks.
func contractFuncs(t *testing.T) template.FuncMap {
	return template.FuncMap{
		"secret":           func() string { return contractSecret },
		"tempDir":          t.TempDir,
		"regularFile":      func() string { return contractRegularFile(t) },
		"hangingURL":       func() string { return hangingURL(t) },
		"echoURL":          func() string { return echoURL(t) },
		"hangingAddress":   func() string { return hangingAddress(t) },
		"silentUDPAddress": func() string { return silentUDPAddress(t) },
		"silentAddress":    func() string { return silentAddress(t) },
		"hangingMount":     func() string { return hangingMount(t) },
		// Skipped without PostgreSQL, failed under CI=true (see pgtest).
		"postgres": func() string { return pgtest.NewDatabase(t) },
		// The same for MySQL or MariaDB (see mysqltest).
		"mysql": func() string { return mysqltest.NewDatabase(t) },
	}
}

func contractRegularFile(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "regular")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// hangingURL is a server that answers nothing until the request or the
// test ends.
func hangingURL(t *testing.T) string {
	released := make(chan struct{})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-released:
		}
	}))
	// Released first: Close waits for the handlers.
	t.Cleanup(func() { close(released); server.Close() })
	return server.URL
}

// echoURL is a server that fails with what it was sent, as one that quotes
// a bad request in its error page.
func echoURL(t *testing.T) string {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Url", r.URL.String())
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "%s %s\nAuthorization: %s\n", r.Method, r.URL, r.Header.Get("Authorization"))
	}))
	t.Cleanup(server.Close)
	return server.URL
}

// silentUDPAddress is a loopback UDP socket that reads what it is sent and
// never replies, as a DNS server that drops queries.
func silentUDPAddress(t *testing.T) string {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	go func() {
		buf := make([]byte, 64<<10)
		for {
			if _, _, err := conn.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return conn.LocalAddr().String()
}

// silentAddress is a loopback server that accepts connections and never
// answers, as a server stuck in a long operation: the dial succeeds and
// every read waits.
func silentAddress(t *testing.T) string {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = conn.Close() })
		}
	}()
	return listener.Addr().String()
}
