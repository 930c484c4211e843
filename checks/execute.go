package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/redrill/redrill/scenarios/duration"
)

// Call is one step or check to perform, with its retry policy.
type Call struct {
	Kind Kind
	// Config holds the kind's attributes, decoded and unmarked.
	Config cty.Value
	// Timeout bounds each attempt; zero means only the kind's own timeout
	// attribute (if any) and the context bound it.
	Timeout time.Duration
	// Retries is how many more attempts follow a failed one.
	Retries int
	// RetryEvery is the pause between attempts; zero means one second.
	RetryEvery time.Duration
	// Judge decides whether a result passes, such as by evaluating the
	// step's asserts; nil means the kind's default success condition.
	Judge func(result cty.Value) (passed bool, message string)
}

// Outcome is what a call produced: the result of its last attempt.
type Outcome struct {
	// Result is an object of the kind's ResultType, secrets redacted.
	Result cty.Value
	Passed bool
	// Message says why the call failed; empty when it passed.
	Message  string
	Attempts int
	Started  time.Time
	// LastAttemptStarted is when the attempt that decided the outcome
	// began: a recovery seen by a retry happened after the first attempt.
	LastAttemptStarted time.Time
	// Duration covers every attempt and the pauses between them.
	Duration time.Duration
}

const defaultRetryEvery = time.Second

// Execute performs a call: each attempt within its timeout, retried while
// it fails, until it passes, the retries are spent or ctx ends.
func (e *Env) Execute(ctx context.Context, call Call) Outcome {
	e.Redactor.AddCredentialsIn(call.Config)
	retryEvery := call.RetryEvery
	if retryEvery <= 0 {
		retryEvery = defaultRetryEvery
	}
	outcome := Outcome{Started: e.Now()}
	for {
		outcome.Attempts++
		outcome.LastAttemptStarted = e.Now()
		outcome.Result, outcome.Passed, outcome.Message = e.attempt(ctx, call)
		if outcome.Passed || outcome.Attempts > call.Retries || ctx.Err() != nil {
			break
		}
		timer := time.NewTimer(retryEvery)
		select {
		case <-ctx.Done():
			timer.Stop()
		case <-timer.C:
		}
		if ctx.Err() != nil {
			outcome.Message = fmt.Sprintf("%s (retry cancelled: %v)", outcome.Message, context.Cause(ctx))
			break
		}
	}
	outcome.Duration = e.Now().Sub(outcome.Started)
	return outcome
}

func (e *Env) attempt(ctx context.Context, call Call) (cty.Value, bool, string) {
	// The step's timeout holds unless the block asks for a shorter one; the
	// kind's default applies only when neither says anything.
	timeout := call.Timeout
	if blockTimeout := call.Kind.Timeout(call.Config); blockTimeout > 0 && (timeout == 0 || blockTimeout < timeout) {
		timeout = blockTimeout
	}
	if timeout == 0 {
		timeout = call.Kind.DefaultTimeout()
	}
	attemptCtx := ctx
	// deadline is on the real clock, as a context's is; zero when no
	// timeout bounds the attempt.
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
		var cancel context.CancelFunc
		attemptCtx, cancel = context.WithDeadlineCause(ctx, deadline, &timedOut{timeout})
		defer cancel()
	}

	fields, err := call.Kind.Run(attemptCtx, e, call.Config)
	if err != nil && attemptCtx.Err() != nil && ctx.Err() == nil {
		// The timeout leads the message, said once even when the kind
		// named it too ("Get …: timed out after 2s").
		switch cause := context.Cause(attemptCtx); {
		case strings.HasPrefix(err.Error(), cause.Error()):
		case saysCause(err, cause):
			err = fmt.Errorf("%w: %s", cause, strings.TrimSuffix(strings.ReplaceAll(err.Error(), ": "+cause.Error(), ""), cause.Error()))
		default:
			err = fmt.Errorf("%w: %v", cause, err)
		}
	} else if err != nil && ctx.Err() != nil {
		if cause := context.Cause(ctx); !saysCause(err, cause) {
			err = fmt.Errorf("%w (%v)", err, cause)
		}
	}
	raw := buildResult(call.Kind.ResultType(), fields, err)
	// A body or an output may quote a DSN redrill was never given; its
	// password is hidden wherever it appears, in this result and later ones.
	result := e.Redactor.Result(raw)
	if err != nil {
		return result, false, e.Redactor.String(err.Error())
	}
	judge := call.Judge
	if judge == nil {
		judge = call.Kind.Succeeded
	}
	passed, message := judge(result)
	// A kind that reports a timeout as a result, not an error (tcp: not
	// connected), still says that the attempt ran out of time. The clock,
	// not attemptCtx.Err(), says so: a dialer can see the deadline pass a
	// moment before the context does.
	if !passed && !deadline.IsZero() && !time.Now().Before(deadline) && ctx.Err() == nil {
		message = fmt.Sprintf("%s (timed out after %s)", message, timeout)
	}
	return result, passed, e.Redactor.String(message)
}

// timedOut is the cause of an attempt's deadline, its message written only
// when read: most attempts end in time, and a workload makes thousands.
type timedOut struct{ timeout time.Duration }

func (t *timedOut) Error() string { return fmt.Sprintf("timed out after %s", t.timeout) }

// buildResult fills a result object: every field of the type, measured
// fields converted to their declared types, the rest null.
func buildResult(ty cty.Type, fields map[string]cty.Value, runErr error) cty.Value {
	attrs := map[string]cty.Value{}
	for name, fieldType := range ty.AttributeTypes() {
		value, ok := fields[name]
		if !ok || value == cty.NilVal {
			attrs[name] = cty.NullVal(fieldType)
			continue
		}
		if fieldType == cty.DynamicPseudoType || value.Type().Equals(fieldType) {
			// What convert.Convert does too, without looking for a
			// conversion or copying the type (for a list of objects, a few
			// microseconds on every attempt).
			attrs[name] = value
			continue
		}
		converted, err := convert.Convert(value, fieldType)
		if err != nil {
			// A kind that returns the wrong type is a bug in redrill, not
			// in the scenario; say so rather than guess.
			converted = cty.NullVal(fieldType)
			runErr = errors.Join(runErr, fmt.Errorf("internal error: result field %s: %v", name, err))
		}
		attrs[name] = converted
	}
	attrs[ErrorField] = cty.StringVal("")
	if runErr != nil {
		attrs[ErrorField] = cty.StringVal(runErr.Error())
	}
	return cty.ObjectVal(attrs)
}

// Attribute readers for kinds. Config values are already type-checked by
// the kind's Spec, so only null needs care.

func stringAttr(config cty.Value, name string) string {
	v := config.GetAttr(name)
	if v.IsNull() {
		return ""
	}
	return v.AsString()
}

func boolAttr(config cty.Value, name string, fallback bool) bool {
	v := config.GetAttr(name)
	if v.IsNull() {
		return fallback
	}
	return v.True()
}

func stringListAttr(config cty.Value, name string) []string {
	v := config.GetAttr(name)
	if v.IsNull() {
		return nil
	}
	var list []string
	for it := v.ElementIterator(); it.Next(); {
		_, element := it.Element()
		if element.IsNull() {
			list = append(list, "")
			continue
		}
		list = append(list, element.AsString())
	}
	return list
}

func stringMapAttr(config cty.Value, name string) map[string]string {
	v := config.GetAttr(name)
	if v.IsNull() {
		return nil
	}
	m := map[string]string{}
	for key, element := range v.AsValueMap() {
		if !element.IsNull() {
			m[key] = element.AsString()
		}
	}
	return m
}

// timeoutAttr is Kind.Timeout for a kind whose block has a timeout
// attribute (declared with optionalDuration).
func timeoutAttr(config cty.Value) time.Duration {
	d, _ := durationAttr(config, "timeout")
	return d
}

func durationAttr(config cty.Value, name string) (time.Duration, bool) {
	if !config.Type().IsObjectType() || !config.Type().HasAttribute(name) {
		return 0, false
	}
	text := stringAttr(config, name)
	if text == "" {
		return 0, false
	}
	d, err := duration.Parse(text)
	return d, err == nil
}

// seconds is how results express durations.
func seconds(d time.Duration) cty.Value {
	return cty.NumberFloatVal(d.Seconds())
}

// saysCause tells whether err already names cause (a kind that wraps
// context.Cause itself, as command's "sleep killed: received SIGINT"), so
// that a message says each cause once.
func saysCause(err, cause error) bool {
	return errors.Is(err, cause) || strings.Contains(err.Error(), cause.Error())
}
