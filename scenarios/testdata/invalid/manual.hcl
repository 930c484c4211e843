scenario "manual-where-nobody-waits" {
  steady_state {
    check "confirmed" {
      manual { instructions = "Say the primary is up" }
    }
  }
  recover {
    step "promote" {
      background = true
      manual { instructions = "Promote the replica" }
    }
  }
  recovered_when {
    timeout = "5m"
    check "looks-fine" {
      manual { instructions = "Look at the graphs" }
    }
  }
  rollback {
    step "demote" {
      manual {
        instructions = "Demote the old replica"
        timeout      = "soon"
      }
    }
  }
}
