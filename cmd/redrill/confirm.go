package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/store"
)

func newConfirmCommand() *cobra.Command {
	var storeTarget, note, by string
	var fail, skip bool
	cmd := &cobra.Command{
		Use:   "confirm RUN STEP",
		Short: "Answer a manual step of a running drill: done, or failed with --fail",
		Long: `confirm answers the manual step STEP (its name, or PHASE.NAME) of the running
run RUN, from any machine that reaches the store: the drill's runner reads the
answer within a second and goes on. The first answer wins, from wherever it
came (the runner's terminal, another confirm, the dashboard); a later one is
refused with who answered and when. Exit code 0 when the answer was recorded,
1 when it was refused (already answered, the step no longer waits, the run
ended), 2 on bad input or an unknown run.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fail && skip {
				return usageError(cmd, errors.New("--fail and --skip: give one"))
			}
			outcome := store.AnswerDone
			switch {
			case fail:
				outcome = store.AnswerFailed
			case skip:
				outcome = store.AnswerSkipped
			}
			history, err := openStore(cmd, storeTarget)
			if err != nil {
				return err
			}
			defer history.Close()
			answer := store.Answer{Outcome: outcome, By: whoAnswers(by), Note: note}
			if err := history.Answer(cmd.Context(), args[0], args[1], answer); err != nil {
				return refused(cmd, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recorded: %s %s by %s\n", args[1], outcome, answer.By)
			return nil
		},
	}
	cmd.Flags().BoolVar(&fail, "fail", false, "the step failed: its phase fails, as a failed check's does")
	cmd.Flags().BoolVar(&skip, "skip", false, "skip the step: the drill goes on as if done, the record says skipped")
	cmd.Flags().StringVar(&note, "note", "", "what was done or why it failed, kept with the answer")
	cmd.Flags().StringVar(&by, "by", "", "who answers (default $USER@host)")
	storeFlag(cmd, &storeTarget)
	return cmd
}

func newAbortCommand() *cobra.Command {
	var storeTarget, note, by string
	cmd := &cobra.Command{
		Use:   "abort RUN",
		Short: "Ask the runner of a running drill to stop it and run rollback",
		Long: `abort asks, through the store, the runner of the running run RUN to stop the
drill as an interrupt does: the running step is cancelled, rollback runs, and
the verdict is interrupted, its reason who asked and why. The runner reads the
request with its heartbeat (every 5 s; every second while a manual step
waits). Exit code 0 when the request was recorded, 1 when the run is no longer
running or someone asked already, 2 on bad input or an unknown run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			history, err := openStore(cmd, storeTarget)
			if err != nil {
				return err
			}
			defer history.Close()
			who := whoAnswers(by)
			if err := history.RequestAbort(cmd.Context(), args[0], who, note); err != nil {
				return refused(cmd, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "abort of run %s requested by %s; its runner stops the drill and runs rollback\n", args[0], who)
			return nil
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "why, kept with the run's reason")
	cmd.Flags().StringVar(&by, "by", "", "who asks (default $USER@host)")
	storeFlag(cmd, &storeTarget)
	return cmd
}

// refused prints why the store refused a request; an unknown run is bad
// input, anything else a refusal.
func refused(cmd *cobra.Command, err error) error {
	fmt.Fprintf(cmd.ErrOrStderr(), "Error: %v\n", err)
	if errors.Is(err, store.ErrNotFound) {
		return exitError{code: exitInvalid}
	}
	return exitError{code: exitNotMet}
}

// whoAnswers is who an answer says it is from: by when given, else
// $USER@host.
func whoAnswers(by string) string {
	if by != "" {
		return by
	}
	name := os.Getenv("USER")
	if name == "" {
		if current, err := user.Current(); err == nil {
			name = current.Username
		}
	}
	host, _ := os.Hostname()
	return name + "@" + host
}
