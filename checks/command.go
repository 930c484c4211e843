package checks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// commandKind runs a program: `command { run = ["pg_restore", ...] }`.
// The argv is executed directly, never through a shell.
type commandKind struct{ declaration }

func init() { register(newCommandKind()) }

func newCommandKind() commandKind {
	return commandKind{declaration{
		name: "command",
		spec: hcldec.ObjectSpec{
			"run":     required("run", cty.List(cty.String)),
			"dir":     optional("dir", cty.String),
			"env":     optional("env", cty.Map(cty.String)),
			"timeout": optionalDuration("timeout"),
		},
		result: resultType(map[string]cty.Type{
			"exit_code": cty.Number,
			"stdout":    cty.String,
			"stderr":    cty.String,
			"duration":  cty.Number,
		}),
		// No default timeout: a restore takes as long as it takes, and the
		// step says how long that may be.
	}}
}

// killGrace is how long output pipes may stay open after the command
// exited or was killed (held by a process it started) before they are
// closed.
const killGrace = 2 * time.Second

func (commandKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	argv := stringListAttr(config, "run")
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("run is empty: give the program and its arguments, such as [\"pg_restore\", \"--list\", \"dump\"]")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = stringAttr(config, "dir")
	cmd.Env = mergeEnv(os.Environ(), stringMapAttr(config, "env"))
	stdout, stderr := newBoundedBuffer(maxOutput), newBoundedBuffer(maxOutput)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// A drill's command may start children (pg_restore --jobs); its own
	// process group lets a timeout kill all of them.
	startInOwnProcessGroup(cmd)
	// A background process that inherited the output pipes must not keep
	// the step waiting after the command itself has exited.
	cmd.WaitDelay = killGrace

	started := env.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	// Listed with the reaper while it runs, so that it dies with redrill;
	// without a reaper the command still runs, as it did before.
	if env.reaper.add(cmd.Process.Pid) == nil {
		defer env.reaper.del(cmd.Process.Pid)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	var waitErr error
	select {
	case waitErr = <-waited:
	case <-ctx.Done():
		killProcessGroup(cmd)
		select {
		case <-waited:
		case <-time.After(killGrace):
		}
		return map[string]cty.Value{
			"exit_code": cty.NumberIntVal(-1),
			"stdout":    cty.StringVal(stdout.String()),
			"stderr":    cty.StringVal(stderr.String()),
			"duration":  seconds(env.Now().Sub(started)),
		}, fmt.Errorf("%s killed: %w", argv[0], context.Cause(ctx))
	}
	// A process the command left running on purpose (a server it started)
	// is part of the recovery and is left alone.

	fields := map[string]cty.Value{
		"exit_code": cty.NumberIntVal(int64(cmd.ProcessState.ExitCode())),
		"stdout":    cty.StringVal(stdout.String()),
		"stderr":    cty.StringVal(stderr.String()),
		"duration":  seconds(env.Now().Sub(started)),
	}
	// Output pipes still held by a process the command left running are
	// closed after killGrace; what was read until then is the output.
	if errors.Is(waitErr, exec.ErrWaitDelay) {
		waitErr = nil
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		return fields, fmt.Errorf("wait for %s: %w", argv[0], waitErr)
	}
	if cmd.ProcessState.ExitCode() == -1 {
		return fields, fmt.Errorf("%s was killed by a signal: %s", argv[0], cmd.ProcessState)
	}
	return fields, nil
}

func (commandKind) Succeeded(result cty.Value) (bool, string) {
	code := result.GetAttr("exit_code")
	if code.IsNull() {
		return false, "the command did not run"
	}
	if code.Equals(cty.Zero).True() {
		return true, ""
	}
	message := fmt.Sprintf("exit code %s", code.AsBigFloat().Text('f', -1))
	if stderr := lastLine(result.GetAttr("stderr")); stderr != "" {
		message += ": " + stderr
	}
	return false, message
}

// mergeEnv adds the scenario's variables to the inherited environment,
// replacing inherited ones of the same name.
func mergeEnv(inherited []string, extra map[string]string) []string {
	if len(extra) == 0 {
		return inherited
	}
	env := make([]string, 0, len(inherited)+len(extra))
	for _, kv := range inherited {
		name, _, _ := strings.Cut(kv, "=")
		if _, replaced := extra[name]; !replaced {
			env = append(env, kv)
		}
	}
	names := make([]string, 0, len(extra))
	for name := range extra {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		env = append(env, name+"="+extra[name])
	}
	return env
}

// lastLine returns the last non-empty line of a string value, for messages.
func lastLine(v cty.Value) string {
	if v.IsNull() || !v.IsKnown() {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(v.AsString()), "\n")
	return Truncate(strings.TrimSpace(lines[len(lines)-1]), 300)
}
