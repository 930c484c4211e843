package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/runner"
	"github.com/redrill/redrill/store"
)

// terminalPrompter asks manual steps at the terminal that runs the drill,
// on the live output's last line. One goroutine reads the terminal's
// lines for the whole command, so that a prompt given up (someone
// answered elsewhere) leaves no read behind to swallow the next answer.
type terminalPrompter struct {
	live  *reports.LiveText
	lines <-chan string
	by    string
	// turn lets one prompt ask at a time: drills run in parallel share
	// the terminal.
	turn chan struct{}
}

func newTerminalPrompter(live *reports.LiveText, in io.Reader, by string) *terminalPrompter {
	lines := make(chan string)
	go func() {
		defer close(lines)
		scanner := bufio.NewScanner(in)
		for scanner.Scan() {
			lines <- scanner.Text()
		}
	}()
	return &terminalPrompter{live: live, lines: lines, by: by, turn: make(chan struct{}, 1)}
}

func (p *terminalPrompter) Prompt(ctx context.Context, q runner.Question) (store.Answer, error) {
	select {
	case p.turn <- struct{}{}:
		defer func() { <-p.turn }()
	case <-ctx.Done():
		return store.Answer{}, ctx.Err()
	}
	defer p.live.Answered()
	p.live.Ask(fmt.Sprintf("    %s: [y] done  [n] failed  [s] skip > ", q.Step))
	outcome := ""
	for {
		var line string
		select {
		case <-ctx.Done():
			return store.Answer{}, ctx.Err()
		case read, ok := <-p.lines:
			if !ok { // the terminal closed: answers come from elsewhere
				<-ctx.Done()
				return store.Answer{}, ctx.Err()
			}
			line = strings.TrimSpace(read)
		}
		if outcome != "" {
			return store.Answer{Outcome: outcome, By: p.by, Note: line}, nil
		}
		switch strings.ToLower(line) {
		case "y", "yes", "done":
			return store.Answer{Outcome: store.AnswerDone, By: p.by}, nil
		case "s", "skip":
			return store.Answer{Outcome: store.AnswerSkipped, By: p.by}, nil
		case "n", "no", "fail", "failed":
			outcome = store.AnswerFailed
			p.live.Ask(fmt.Sprintf("    %s failed; why? (a note, Enter for none) > ", q.Step))
		default:
			p.live.Ask(fmt.Sprintf("    %s: type y (done), n (failed) or s (skip) > ", q.Step))
		}
	}
}
