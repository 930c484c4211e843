# A game day with people in it: the primary goes away and an operator
# promotes the replica by hand, as the runbook says. The recovery clock
# runs while they work, and the report tells their time from the machines'.
#
#   go run ./cmd/redrill run scenarios/examples/manual-failover.hcl
#
# The terminal asks "[y] done  [n] failed  [s] skip"; from another shell,
# or another machine that reaches the store, answer with
#   redrill confirm RUN promote --note "what you did"
# (the live output prints RUN). run --yes answers without anyone doing
# it: the recovered_when check then fails, as it should.

locals {
  failover_tmp = env("TMPDIR", "/tmp")
  primary      = "${local.failover_tmp}/redrill-failover-primary"
  replica      = "${local.failover_tmp}/redrill-failover-promoted"
}

scenario "manual-failover" {
  description = "Lose the primary; an operator promotes the replica by hand."
  owner       = "you"
  tags        = ["example", "game-day", "manual"]
  timeout     = "1h"

  objective {
    rto = "15m"
  }

  setup {
    step "start-primary" {
      command { run = ["touch", local.primary] }
    }
  }

  disrupt {
    step "lose-primary" {
      command { run = ["rm", "-f", local.primary] }
    }
  }

  recover {
    step "promote" {
      manual {
        instructions = "Promote the replica: run `touch ${local.replica}` on the replica host, then confirm."
        timeout      = "10m"
      }
    }
  }

  # The person said it is done; the drill checks that it is.
  recovered_when {
    timeout = "1m"
    every   = "1s"
    check "replica-promoted" {
      file { path = local.replica }
    }
  }

  rollback {
    step "demote" {
      command { run = ["rm", "-f", local.replica, local.primary] }
    }
  }
}
