package checks

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// killGrace is how long a killed command may take to be reaped.
const killGrace = 2 * time.Second

// outputGrace is how long output is still read after the command exited,
// while a process it started holds the pipe: long enough for what is
// already written, short enough not to count in the step's time.
const outputGrace = 50 * time.Millisecond

func (commandKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	argv := stringListAttr(config, "run")
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("run is empty: give the program and its arguments, such as [\"pg_restore\", \"--list\", \"dump\"]")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = stringAttr(config, "dir")
	cmd.Env = mergeEnv(os.Environ(), stringMapAttr(config, "env"))
	stdout, err := newOutput()
	if err != nil {
		return nil, err
	}
	defer stdout.close()
	stderr, err := newOutput()
	if err != nil {
		return nil, err
	}
	defer stderr.close()
	cmd.Stdout, cmd.Stderr = stdout.writer, stderr.writer
	// A drill's command may start children (pg_restore --jobs); its own
	// process group lets a timeout kill all of them.
	startInOwnProcessGroup(cmd)
	dieWithRedrill(cmd)

	started := env.Now()
	err = cmd.Start()
	// The command has its own copies of the pipes' write ends.
	stdout.writer.Close()
	stderr.writer.Close()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	// Listed with the reaper while it runs, so that it dies with redrill;
	// without a reaper the command still runs, as it did before.
	switch err := env.reaper.add(cmd.Process.Pid); {
	case err == nil:
		defer env.reaper.del(cmd.Process.Pid)
	case errors.Is(err, errReaperClosed):
		// Close ran between Start and here: its reaper did not know of
		// this command, which must not outlive the drill.
		killProcessGroup(cmd)
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
		stdout.finish()
		stderr.finish()
		return map[string]cty.Value{
			"exit_code": cty.NumberIntVal(-1),
			"stdout":    cty.StringVal(stdout.String()),
			"stderr":    cty.StringVal(stderr.String()),
			"duration":  seconds(env.Now().Sub(started)),
		}, fmt.Errorf("%s killed: %w", argv[0], context.Cause(ctx))
	}
	// A process the command left running on purpose (a server it started)
	// is part of the recovery and is left alone; the step ends with the
	// command, not with the pipes that process may hold.
	ended := env.Now()
	stdout.finish()
	stderr.finish()

	fields := map[string]cty.Value{
		"exit_code": cty.NumberIntVal(int64(cmd.ProcessState.ExitCode())),
		"stdout":    cty.StringVal(stdout.String()),
		"stderr":    cty.StringVal(stderr.String()),
		"duration":  seconds(ended.Sub(started)),
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

// output reads one stream of a command through a pipe of its own. Given an
// *os.File, os/exec hands the command the file itself and waits only for
// the process, not for everything that inherited the pipe.
type output struct {
	reader, writer *os.File
	kept           *boundedBuffer
	done           chan struct{}
}

func newOutput() (*output, error) {
	reader, writer, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("create a pipe for the command's output: %w", err)
	}
	o := &output{reader: reader, writer: writer, kept: newBoundedBuffer(maxOutput), done: make(chan struct{})}
	go func() {
		defer close(o.done)
		_, _ = io.Copy(o.kept, reader)
	}()
	return o, nil
}

// finish reads what is left, for at most outputGrace once the command has
// ended, and stops reading.
func (o *output) finish() {
	select {
	case <-o.done:
	case <-time.After(outputGrace):
		_ = o.reader.SetReadDeadline(time.Now())
		<-o.done
	}
}

func (o *output) close() {
	o.writer.Close()
	_ = o.reader.SetReadDeadline(time.Now())
	<-o.done
	o.reader.Close()
}

func (o *output) String() string { return o.kept.String() }
