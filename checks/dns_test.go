package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/miekg/dns"
	"github.com/zclconf/go-cty/cty"
)

// testZone is what the test's server answers; every other name is NXDOMAIN.
var testZone = []string{
	"db.example.test. 300 IN A 10.0.2.15",
	"db.example.test. 60 IN A 10.0.2.16",
	"db.example.test. 300 IN AAAA 2001:db8::15",
	"primary.example.test. 120 IN CNAME db.example.test.",
	"example.test. 3600 IN TXT \"v=spf1 \" \"-all\"",
	"_postgres._tcp.example.test. 600 IN SRV 10 5 5432 db.example.test.",
	"example.test. 3600 IN MX 10 mail.example.test.",
}

// dnsTestServer is a DNS server of testZone on loopback, over UDP and TCP
// on the same port.
type dnsTestServer struct {
	address string
	mu      sync.Mutex
	// networks is the network of each query received, in order.
	networks []string
}

func (s *dnsTestServer) queriedOver() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.networks...)
}

func startDNSServer(tb testing.TB) *dnsTestServer {
	tb.Helper()
	records := map[string][]dns.RR{} // by owner name
	for _, line := range testZone {
		rr, err := dns.NewRR(line)
		if err != nil {
			tb.Fatalf("zone line %q: %v", line, err)
		}
		records[rr.Header().Name] = append(records[rr.Header().Name], rr)
	}
	// More addresses than fit in a 512-byte UDP reply.
	for i := range 50 {
		rr, _ := dns.NewRR(fmt.Sprintf("many.example.test. 300 IN A 10.0.3.%d", i+1))
		records[rr.Header().Name] = append(records[rr.Header().Name], rr)
	}
	server := &dnsTestServer{}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, query *dns.Msg) {
		server.mu.Lock()
		server.networks = append(server.networks, w.RemoteAddr().Network())
		server.mu.Unlock()
		reply := new(dns.Msg)
		reply.SetReply(query)
		question := query.Question[0]
		owned, exists := records[strings.ToLower(question.Name)]
		if !exists {
			reply.Rcode = dns.RcodeNameError
		}
		for _, rr := range owned {
			// A CNAME answers every type, as a resolver follows it.
			if rr.Header().Rrtype == question.Qtype || rr.Header().Rrtype == dns.TypeCNAME {
				reply.Answer = append(reply.Answer, rr)
			}
		}
		if w.RemoteAddr().Network() == "udp" {
			reply.Truncate(dns.MinMsgSize) // sets TC when records were left out
		}
		_ = w.WriteMsg(reply)
	})

	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	server.address = udp.LocalAddr().String()
	tcp, err := net.Listen("tcp", server.address)
	if err != nil {
		udp.Close()
		tb.Fatalf("listen on TCP at the UDP port %s: %v", server.address, err)
	}
	for _, s := range []*dns.Server{{PacketConn: udp, Handler: handler}, {Listener: tcp, Handler: handler}} {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		served := make(chan error, 1)
		go func() { served <- s.ActivateAndServe() }()
		select {
		case <-started:
		case err := <-served:
			tb.Fatalf("DNS server: %v", err)
		}
		tb.Cleanup(func() { _ = s.Shutdown() })
	}
	return server
}

func TestDNS(t *testing.T) {
	server := startDNSServer(t)
	dnsCheck := kind(t, "dns")
	answer := func(name, recordType string, ttl int64, value string) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(name), "type": cty.StringVal(recordType),
			"ttl": cty.NumberIntVal(ttl), "value": cty.StringVal(value),
		})
	}
	tests := []struct {
		name        string
		attrs       map[string]cty.Value
		wantPassed  bool
		wantMessage string
		wantRcode   any
		wantAnswers []cty.Value
		wantTTL     any
		wantNetwork string
	}{
		{
			name:        "A records resolve, with the smallest ttl",
			attrs:       map[string]cty.Value{"name": cty.StringVal("db.example.test")},
			wantPassed:  true,
			wantRcode:   "NOERROR",
			wantAnswers: []cty.Value{answer("db.example.test.", "A", 300, "10.0.2.15"), answer("db.example.test.", "A", 60, "10.0.2.16")},
			wantTTL:     60.0,
			wantNetwork: "udp",
		},
		{
			name:        "AAAA is an address",
			attrs:       map[string]cty.Value{"name": cty.StringVal("db.example.test."), "type": cty.StringVal("AAAA")},
			wantPassed:  true,
			wantRcode:   "NOERROR",
			wantAnswers: []cty.Value{answer("db.example.test.", "AAAA", 300, "2001:db8::15")},
			wantTTL:     300.0,
		},
		{
			name:        "CNAME is its target",
			attrs:       map[string]cty.Value{"name": cty.StringVal("primary.example.test"), "type": cty.StringVal("CNAME")},
			wantPassed:  true,
			wantRcode:   "NOERROR",
			wantAnswers: []cty.Value{answer("primary.example.test.", "CNAME", 120, "db.example.test.")},
			wantTTL:     120.0,
		},
		{
			name:        "TXT strings are joined into one text",
			attrs:       map[string]cty.Value{"name": cty.StringVal("example.test"), "type": cty.StringVal("TXT")},
			wantPassed:  true,
			wantRcode:   "NOERROR",
			wantAnswers: []cty.Value{answer("example.test.", "TXT", 3600, "v=spf1 -all")},
			wantTTL:     3600.0,
		},
		{
			name:        "SRV is priority weight port target",
			attrs:       map[string]cty.Value{"name": cty.StringVal("_postgres._tcp.example.test"), "type": cty.StringVal("SRV")},
			wantPassed:  true,
			wantRcode:   "NOERROR",
			wantAnswers: []cty.Value{answer("_postgres._tcp.example.test.", "SRV", 600, "10 5 5432 db.example.test.")},
			wantTTL:     600.0,
		},
		{
			name:        "MX is priority target, queried over TCP",
			attrs:       map[string]cty.Value{"name": cty.StringVal("example.test"), "type": cty.StringVal("MX"), "tcp": cty.True},
			wantPassed:  true,
			wantRcode:   "NOERROR",
			wantAnswers: []cty.Value{answer("example.test.", "MX", 3600, "10 mail.example.test.")},
			wantTTL:     3600.0,
			wantNetwork: "tcp",
		},
		{
			name:        "a name that does not exist fails as NXDOMAIN",
			attrs:       map[string]cty.Value{"name": cty.StringVal("old-site.example.test")},
			wantMessage: "rcode NXDOMAIN, want NOERROR",
			wantRcode:   "NXDOMAIN",
			wantAnswers: []cty.Value{},
		},
		{
			name:        "a name without records of the type fails as no answers",
			attrs:       map[string]cty.Value{"name": cty.StringVal("example.test"), "type": cty.StringVal("AAAA")},
			wantMessage: "no answers (rcode NOERROR)",
			wantRcode:   "NOERROR",
			wantAnswers: []cty.Value{},
		},
		{
			name:        "a server without a port could not run",
			attrs:       map[string]cty.Value{"name": cty.StringVal("db.example.test"), "server": cty.StringVal("127.0.0.1")},
			wantMessage: `server "127.0.0.1": address 127.0.0.1: missing port in address; write host:port, such as "10.0.0.2:53"`,
		},
		{
			name:        "a name with an empty label could not run",
			attrs:       map[string]cty.Value{"name": cty.StringVal("db..example.test")},
			wantMessage: `name "db..example.test" is not a domain name`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := map[string]cty.Value{"server": cty.StringVal(server.address)}
			for name, value := range tt.attrs {
				attrs[name] = value
			}
			before := len(server.queriedOver())
			outcome := execute(t, Call{Kind: dnsCheck, Config: config(t, dnsCheck, attrs)})
			if outcome.Passed != tt.wantPassed || outcome.Message != tt.wantMessage {
				t.Errorf("passed=%v message=%q, want %v %q", outcome.Passed, outcome.Message, tt.wantPassed, tt.wantMessage)
			}
			if got := field(t, outcome.Result, "rcode"); got != tt.wantRcode {
				t.Errorf("rcode = %v, want %v", got, tt.wantRcode)
			}
			if got := field(t, outcome.Result, "ttl"); got != tt.wantTTL {
				t.Errorf("ttl = %v, want %v", got, tt.wantTTL)
			}
			answers := outcome.Result.GetAttr("answers")
			switch {
			case tt.wantAnswers == nil && !answers.IsNull():
				t.Errorf("answers = %#v, want null", answers)
			case tt.wantAnswers != nil && (answers.IsNull() || !answers.Equals(listOrEmpty(tt.wantAnswers)).True()):
				t.Errorf("answers = %#v\nwant %#v", answers, listOrEmpty(tt.wantAnswers))
			}
			if tt.wantNetwork != "" {
				if got := server.queriedOver()[before:]; len(got) != 1 || got[0] != tt.wantNetwork {
					t.Errorf("queried over %v, want once over %s", got, tt.wantNetwork)
				}
			}
		})
	}
}

// A reply truncated over UDP is asked again over TCP, and all of it is
// the result.
func TestDNSTruncatedReplyIsAskedAgainOverTCP(t *testing.T) {
	server := startDNSServer(t)
	dnsCheck := kind(t, "dns")
	outcome := execute(t, Call{Kind: dnsCheck, Config: config(t, dnsCheck, map[string]cty.Value{
		"name": cty.StringVal("many.example.test"), "server": cty.StringVal(server.address),
	})})
	if !outcome.Passed {
		t.Fatalf("failed: %s", outcome.Message)
	}
	if got := outcome.Result.GetAttr("answers").LengthInt(); got != 50 {
		t.Errorf("%d answers, want the 50 of the name", got)
	}
	if got := server.queriedOver(); len(got) != 2 || got[0] != "udp" || got[1] != "tcp" {
		t.Errorf("queried over %v, want udp then tcp", got)
	}
}

func listOrEmpty(values []cty.Value) cty.Value {
	if len(values) == 0 {
		return cty.ListValEmpty(dnsAnswerType)
	}
	return cty.ListVal(values)
}

// A server that never answers ends the attempt at the step's timeout, even
// when it is longer than the DNS client's own default of two seconds.
func TestDNSServerThatNeverAnswersTimesOut(t *testing.T) {
	dnsCheck := kind(t, "dns")
	for _, timeout := range []time.Duration{300 * time.Millisecond, 2500 * time.Millisecond} {
		t.Run(timeout.String(), func(t *testing.T) {
			address := silentUDPAddress(t)
			started := time.Now()
			outcome := execute(t, Call{Kind: dnsCheck, Config: config(t, dnsCheck, map[string]cty.Value{
				"name": cty.StringVal("db.example.test"), "server": cty.StringVal(address),
			}), Timeout: timeout})
			elapsed := time.Since(started)
			want := "timed out after " + timeout.String() + ": query A db.example.test at " + address + " over udp"
			if outcome.Passed || !strings.HasPrefix(outcome.Message, want) {
				t.Errorf("passed=%v message=%q, want it to start %q", outcome.Passed, outcome.Message, want)
			}
			if elapsed < timeout || elapsed > timeout+time.Second {
				t.Errorf("ended after %s, want about %s", elapsed, timeout)
			}
		})
	}
}

func TestDNSTypeIsCheckedAtLoad(t *testing.T) {
	dnsCheck := kind(t, "dns")
	parsed, diags := hclsyntax.ParseConfig([]byte(`name = "db.example.test"`+"\n"+`type = "PTR"`+"\n"), "step.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, diags = hcldec.Decode(parsed.Body, dnsCheck.Spec(), nil)
	want := `The "type" attribute is "PTR"; it must be one of "A", "AAAA", "CNAME", "TXT", "SRV", "MX".`
	if !diags.HasErrors() || diags[0].Summary != "Invalid type" || diags[0].Detail != want {
		t.Errorf("diagnostics = %v, want Invalid type: %s", diags, want)
	}
}

func TestDNSDefaultServerIsTheFirstNameserver(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(conf, []byte("search example.test\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := defaultDNSServer(conf); err != nil || got != "10.0.0.2:53" {
		t.Errorf("defaultDNSServer = %q, %v; want 10.0.0.2:53", got, err)
	}
	empty := filepath.Join(dir, "empty.conf")
	if err := os.WriteFile(empty, []byte("search example.test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := defaultDNSServer(empty); err == nil || err.Error() != "no server given and "+empty+" lists no nameserver" {
		t.Errorf("defaultDNSServer of a file without nameserver: %v", err)
	}
	if _, err := defaultDNSServer(filepath.Join(dir, "missing")); err == nil || !strings.HasPrefix(err.Error(), "no server given and none read from ") {
		t.Errorf("defaultDNSServer of a missing file: %v", err)
	}
}

// A drill interrupted while a query waits for its reply ends the query
// then, not at the kind's timeout of 10s.
func TestDNSCancelledQueryEndsAtOnce(t *testing.T) {
	dnsCheck := kind(t, "dns")
	ctx, cancel := context.WithCancelCause(t.Context())
	time.AfterFunc(200*time.Millisecond, func() { cancel(errors.New("received SIGINT")) })
	env := NewEnv(Deps{})
	t.Cleanup(func() { _ = env.Close() })
	started := time.Now()
	outcome := env.Execute(ctx, Call{Kind: dnsCheck, Config: config(t, dnsCheck, map[string]cty.Value{
		"name": cty.StringVal("db.example.test"), "server": cty.StringVal(silentUDPAddress(t)),
	})})
	if elapsed := time.Since(started); elapsed > 2*time.Second {
		t.Errorf("ended after %s, want soon after the cancel at 200ms", elapsed)
	}
	if outcome.Passed || !strings.Contains(outcome.Message, "received SIGINT") {
		t.Errorf("passed=%v message=%q, want a failure that says why it was cancelled", outcome.Passed, outcome.Message)
	}
}
