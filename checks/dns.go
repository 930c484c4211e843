package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/miekg/dns"
	"github.com/zclconf/go-cty/cty"
)

// dnsKind sends one DNS query: `dns { name = "db.internal", type = "A" }`.
type dnsKind struct{ declaration }

func init() { register(newDNSKind()) }

// dnsTypes are the record types a dns block may ask for.
var dnsTypes = []string{"A", "AAAA", "CNAME", "TXT", "SRV", "MX"}

// dnsAnswerType is one record of the answer section.
var dnsAnswerType = cty.Object(map[string]cty.Type{
	"name":  cty.String,
	"type":  cty.String,
	"ttl":   cty.Number,
	"value": cty.String,
})

// resolvConf is where the default server is read from.
const resolvConf = "/etc/resolv.conf"

func newDNSKind() dnsKind {
	return dnsKind{declaration{
		name: "dns",
		spec: hcldec.ObjectSpec{
			"name":    required("name", cty.String),
			"type":    oneOf("type", dnsTypes...),
			"server":  optional("server", cty.String),
			"tcp":     optional("tcp", cty.Bool),
			"timeout": optionalDuration("timeout"),
		},
		result: resultType(map[string]cty.Type{
			"answers":  cty.List(dnsAnswerType),
			"rcode":    cty.String,
			"ttl":      cty.Number,
			"duration": cty.Number,
		}),
		// A server that drops queries must not hang a step that gives no
		// timeout.
		defaultTimeout: 10 * time.Second,
	}}
}

// Run reports the server's rcode and answers; an error means no answer
// came (bad name or server, no reply in time).
func (dnsKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	name := stringAttr(config, "name")
	if _, ok := dns.IsDomainName(name); !ok || name == "" {
		return nil, fmt.Errorf("name %q is not a domain name", name)
	}
	recordType := stringAttr(config, "type")
	if recordType == "" {
		recordType = "A"
	}
	server := stringAttr(config, "server")
	if server == "" {
		var err error
		if server, err = defaultDNSServer(resolvConf); err != nil {
			return nil, err
		}
	}
	if _, _, err := net.SplitHostPort(server); err != nil {
		return nil, fmt.Errorf("server %q: %w; write host:port, such as \"10.0.0.2:53\"", server, err)
	}
	network := "udp"
	if boolAttr(config, "tcp", false) {
		network = "tcp"
	}

	query := new(dns.Msg)
	query.SetQuestion(dns.Fqdn(name), dns.StringToType[recordType])
	started := env.Now()
	reply, err := exchange(ctx, query, network, server)
	if err == nil && reply.Truncated && network == "udp" {
		// The answer did not fit in a datagram: ask again over TCP, as a
		// resolver does, rather than judge a part of it.
		network = "tcp"
		reply, err = exchange(ctx, query, network, server)
	}
	duration := seconds(env.Now().Sub(started))
	if err != nil {
		return map[string]cty.Value{"duration": duration}, fmt.Errorf("query %s %s at %s over %s: %w", recordType, name, server, network, err)
	}
	answers := make([]cty.Value, 0, len(reply.Answer))
	smallestTTL := cty.NullVal(cty.Number)
	var smallest uint32
	for i, rr := range reply.Answer {
		header := rr.Header()
		answers = append(answers, cty.ObjectVal(map[string]cty.Value{
			"name":  cty.StringVal(header.Name),
			"type":  cty.StringVal(dns.TypeToString[header.Rrtype]),
			"ttl":   cty.NumberIntVal(int64(header.Ttl)),
			"value": cty.StringVal(answerValue(rr)),
		}))
		if i == 0 || header.Ttl < smallest {
			smallest = header.Ttl
		}
	}
	if len(reply.Answer) > 0 {
		smallestTTL = cty.NumberIntVal(int64(smallest))
	}
	answerList := cty.ListValEmpty(dnsAnswerType)
	if len(answers) > 0 {
		answerList = cty.ListVal(answers)
	}
	return map[string]cty.Value{
		"answers":  answerList,
		"rcode":    cty.StringVal(rcodeName(reply.Rcode)),
		"ttl":      smallestTTL,
		"duration": duration,
	}, nil
}

// exchange sends query and waits for the reply until ctx ends. It is
// dns.Client.ExchangeContext with the connection in hand: the client
// bounds its reads by ctx's deadline but would not see ctx cancelled (a
// drill interrupted), so a cancel sets the connection's deadline to now.
func exchange(ctx context.Context, query *dns.Msg, network, server string) (*dns.Msg, error) {
	// The client's own timeouts (2s by default) would cut a longer step
	// timeout short: the context's deadline is the bound.
	client := &dns.Client{Net: network, Timeout: time.Hour}
	conn, err := client.DialContext(ctx, server)
	if err != nil {
		return nil, contextCause(ctx, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	reply, _, err := client.ExchangeWithConnContext(ctx, query, conn)
	if err != nil {
		return nil, contextCause(ctx, err)
	}
	return reply, nil
}

// contextCause names why ctx ended when err is the read that ended with
// it. The connection's deadline is ctx's, and a read can see it pass a
// moment before ctx does.
func contextCause(ctx context.Context, err error) error {
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
		<-ctx.Done()
	}
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return err
}

// answerValue is a record's data as one string: the address (A, AAAA),
// the target (CNAME), the strings joined (TXT), "priority target" (MX),
// "priority weight port target" (SRV).
func answerValue(rr dns.RR) string {
	switch record := rr.(type) {
	case *dns.A:
		return record.A.String()
	case *dns.AAAA:
		return record.AAAA.String()
	case *dns.CNAME:
		return record.Target
	case *dns.TXT:
		// A long text (an SPF policy, a DKIM key) is split into strings of
		// 255 bytes that mean one text.
		return strings.Join(record.Txt, "")
	case *dns.MX:
		return fmt.Sprintf("%d %s", record.Preference, record.Mx)
	case *dns.SRV:
		return fmt.Sprintf("%d %d %d %s", record.Priority, record.Weight, record.Port, record.Target)
	}
	// Other types in the answer section: their data as in a zone file.
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

func rcodeName(rcode int) string {
	if name, ok := dns.RcodeToString[rcode]; ok {
		return name
	}
	return strconv.Itoa(rcode)
}

// defaultDNSServer is the first nameserver of a resolv.conf, as host:port.
func defaultDNSServer(path string) (string, error) {
	conf, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return "", fmt.Errorf("no server given and none read from %s: %w", path, err)
	}
	if len(conf.Servers) == 0 {
		return "", fmt.Errorf("no server given and %s lists no nameserver", path)
	}
	return net.JoinHostPort(conf.Servers[0], conf.Port), nil
}

func (dnsKind) Succeeded(result cty.Value) (bool, string) {
	rcode := result.GetAttr("rcode")
	if rcode.IsNull() {
		return false, "no reply"
	}
	if rcode.AsString() != "NOERROR" {
		return false, fmt.Sprintf("rcode %s, want NOERROR", rcode.AsString())
	}
	answers := result.GetAttr("answers")
	if answers.IsNull() || answers.LengthInt() == 0 {
		return false, "no answers (rcode NOERROR)"
	}
	return true, ""
}
