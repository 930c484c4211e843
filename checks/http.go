package checks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// httpKind sends one HTTP request: `http { url = "https://..." }`.
type httpKind struct{ declaration }

func init() { register(newHTTPKind()) }

func newHTTPKind() httpKind {
	return httpKind{declaration{
		name: "http",
		spec: hcldec.ObjectSpec{
			"url":                  required("url", cty.String),
			"method":               oneOf("method", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
			"headers":              optional("headers", cty.Map(cty.String)),
			"body":                 optional("body", cty.String),
			"timeout":              optionalDuration("timeout"),
			"insecure_skip_verify": optional("insecure_skip_verify", cty.Bool),
			"follow_redirects":     optional("follow_redirects", cty.Bool),
		},
		result: resultType(map[string]cty.Type{
			"status":   cty.Number,
			"headers":  cty.Map(cty.String),
			"body":     cty.String,
			"json":     cty.DynamicPseudoType,
			"duration": cty.Number,
		}),
		// A server that hangs must not hang a step that gives no timeout.
		defaultTimeout: 30 * time.Second,
	}}
}

func (httpKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	method := stringAttr(config, "method")
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if text := stringAttr(config, "body"); text != "" {
		body = strings.NewReader(text)
	}
	target := stringAttr(config, "url")
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", target, err)
	}
	for name, value := range stringMapAttr(config, "headers") {
		if strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Cookie") {
			env.Redactor.Add(value)
		}
		if strings.EqualFold(name, "Host") {
			req.Host = value
			continue
		}
		req.Header.Set(name, value)
	}
	client := &http.Client{Transport: env.transport(boolAttr(config, "insecure_skip_verify", false))}
	if !boolAttr(config, "follow_redirects", true) {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}

	started := env.Now()
	resp, err := client.Do(req)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%s %s: %w", method, target, cause)
		}
		return map[string]cty.Value{"duration": seconds(env.Now().Sub(started))}, err
	}
	defer resp.Body.Close()
	content, readErr := io.ReadAll(io.LimitReader(resp.Body, maxOutput+1))
	truncated := len(content) > maxOutput
	if truncated {
		content = content[:maxOutput]
	}
	// Drain a little more so the connection can be reused; a huge body is
	// abandoned instead.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	duration := env.Now().Sub(started)

	headers := map[string]cty.Value{}
	for name, values := range resp.Header {
		headers[name] = cty.StringVal(strings.Join(values, ", "))
	}
	fields := map[string]cty.Value{
		"status":   cty.NumberIntVal(int64(resp.StatusCode)),
		"headers":  cty.MapVal(headers),
		"body":     cty.StringVal(string(content)),
		"json":     decodeJSON(content, truncated),
		"duration": seconds(duration),
	}
	if len(headers) == 0 {
		fields["headers"] = cty.MapValEmpty(cty.String)
	}
	if readErr != nil {
		return fields, fmt.Errorf("read body of %s %s: %w", method, target, readErr)
	}
	return fields, nil
}

// decodeJSON returns the body as a value when it is JSON, else null.
func decodeJSON(content []byte, truncated bool) cty.Value {
	trimmed := bytes.TrimSpace(content)
	// Most bodies that are not JSON are told apart by their first byte,
	// without a parse.
	if truncated || len(trimmed) == 0 || !strings.ContainsRune(`{["-0123456789tfn`, rune(trimmed[0])) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	decoder := json.NewDecoder(bytes.NewReader(trimmed))
	decoder.UseNumber()
	var decoded any
	if err := decoder.Decode(&decoded); err != nil || decoder.More() {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return jsonValue(decoded)
}

// jsonValue converts decoded JSON to a cty value: objects, tuples (arrays
// may mix types), exact numbers.
func jsonValue(v any) cty.Value {
	switch x := v.(type) {
	case nil:
		return cty.NullVal(cty.DynamicPseudoType)
	case bool:
		return cty.BoolVal(x)
	case string:
		return cty.StringVal(x)
	case json.Number:
		n, err := cty.ParseNumberVal(x.String())
		if err != nil {
			return cty.StringVal(x.String())
		}
		return n
	case []any:
		if len(x) == 0 {
			return cty.EmptyTupleVal
		}
		elements := make([]cty.Value, len(x))
		for i, element := range x {
			elements[i] = jsonValue(element)
		}
		return cty.TupleVal(elements)
	case map[string]any:
		if len(x) == 0 {
			return cty.EmptyObjectVal
		}
		attrs := make(map[string]cty.Value, len(x))
		for name, element := range x {
			attrs[name] = jsonValue(element)
		}
		return cty.ObjectVal(attrs)
	}
	return cty.NullVal(cty.DynamicPseudoType)
}

func (httpKind) Succeeded(result cty.Value) (bool, string) {
	status := result.GetAttr("status")
	if status.IsNull() {
		return false, "no response"
	}
	code, _ := status.AsBigFloat().Int64()
	if code >= 200 && code < 400 {
		return true, ""
	}
	return false, fmt.Sprintf("status %d %s", code, http.StatusText(int(code)))
}
