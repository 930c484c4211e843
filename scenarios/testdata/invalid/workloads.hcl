scenario "background-where-it-cannot-run" {
  steady_state {
    check "up" {
      background = true
      tcp { address = "127.0.0.1:5432" }
    }
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
  rollback {
    step "clean" {
      background = true
      after      = ["restore"]
      command { run = ["true"] }
    }
  }
}

scenario "waits-that-cannot-be" {
  setup {
    step "bulk-load" {
      background = true
      command { run = ["sleep", "60"] }
    }
    step "prepare" {
      after = ["bulk-laod"]
      command { run = ["true"] }
    }
  }
  disrupt {
    step "kill" {
      after = ["prepare", "rebuild"]
      command { run = ["true"] }
    }
  }
  recover {
    step "rebuild" {
      background = true
      command { run = ["true"] }
    }
    step "report" {
      command { run = ["echo", steps.bulk-load.stdout] }
    }
  }
  recovered_when {
    timeout = "1m"
    check "loaded" {
      command { run = ["echo", steps.rebuild.stdout] }
    }
  }
}

scenario "workloads-written-wrong" {
  objective {
    downtime    = "10s"
    lost_writes = 0
  }
  recover {
    step "restore" {
      command { run = ["echo", workload.seq] }
    }
  }
  workload "no-rate" {
    concurrency = 0
    sql {
      dsn   = "postgres://127.0.0.1/test"
      query = "INSERT INTO writes (seq) VALUES ($1)"
      args  = [workload.sequence]
    }
  }
  workload "negative" {
    rate = -5
    http { url = "http://127.0.0.1:8080/" }
    verify {
      sql {
        dsn   = "postgres://127.0.0.1/test"
        query = "SELECT seq FROM writes WHERE seq > ${workload.seq}"
      }
    }
  }
  workload "survivors-not-a-list" {
    rate = 10
    tcp { address = "127.0.0.1:5432" }
    verify {
      survivors = result.row_count
      sql {
        dsn   = "postgres://127.0.0.1/test"
        query = "SELECT count(*) FROM writes"
      }
    }
  }
  workload "negative" {
    rate = 1
    tcp { address = "127.0.0.1:5432" }
  }
}

scenario "objectives-without-workloads" {
  objective {
    downtime    = "10s"
    lost_writes = 0
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
