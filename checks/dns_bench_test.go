package checks

import (
	"testing"

	"github.com/miekg/dns"
	"github.com/zclconf/go-cty/cty"
)

// One A query through the dns check against the bare miekg/dns client, both
// over UDP to the same in-process server (startDNSServer): the difference
// is the check's overhead (the attempt's context, the result object,
// redaction). Target: under 10% of the bare query or 50 µs, whichever is
// larger.
func BenchmarkDNS(b *testing.B) {
	server := startDNSServer(b)
	b.Run("bare miekg/dns client", func(b *testing.B) {
		client := &dns.Client{Net: "udp"}
		for b.Loop() {
			query := new(dns.Msg)
			query.SetQuestion("db.example.test.", dns.TypeA)
			reply, _, err := client.ExchangeContext(b.Context(), query, server.address)
			if err != nil || reply.Rcode != dns.RcodeSuccess || len(reply.Answer) == 0 {
				b.Fatalf("reply %v, %v", reply, err)
			}
		}
	})
	b.Run("check through Env.Execute", func(b *testing.B) {
		dnsCheck, _ := Builtin().Lookup("dns")
		env := NewEnv(Deps{})
		b.Cleanup(func() { _ = env.Close() })
		call := Call{Kind: dnsCheck, Config: benchDNSConfig(dnsCheck, server.address)}
		for b.Loop() {
			if outcome := env.Execute(b.Context(), call); !outcome.Passed {
				b.Fatalf("the check failed: %s", outcome.Message)
			}
		}
	})
}

func benchDNSConfig(k Kind, address string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"name":    cty.StringVal("db.example.test"),
		"type":    cty.NullVal(cty.String),
		"server":  cty.StringVal(address),
		"tcp":     cty.NullVal(cty.Bool),
		"timeout": cty.NullVal(cty.String),
	})
}
