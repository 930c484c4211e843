scenario "measures-where-they-cannot-be" {
  recover {
    step "restore" {
      command { run = ["true"] }
    }
    measure "restored_size" {
      file {
        path = "/var/lib/db"
      }
      value = result.size
      unit  = "bytes"
    }
  }
  recovered_when {
    timeout = "1m"
    measure "rows_seen" {
      tcp { address = "127.0.0.1:5432" }
      value = 1
      unit  = "rows"
    }
    check "up" {
      tcp { address = "127.0.0.1:5432" }
    }
  }
}

scenario "measures-that-say-nothing" {
  setup {
    measure "dump_size" {
      file {
        path = "/backups/orders.dump"
      }
      value = result.size
      unit  = "megabytes"
    }
    measure "dump_exists" {
      file {
        path = "/backups/orders.dump"
      }
      value = result.exists
      unit  = "count"
    }
    measure "dump_label" {
      file {
        path = "/backups/orders.dump"
      }
      value = "large"
      unit  = "bytes"
    }
    measure "dump_size" {
      file {
        path = "/backups/orders.dump"
      }
      value = result.size
      unit  = "bytes"
    }
    measure "no_unit" {
      file {
        path = "/backups/orders.dump"
      }
      value = result.size
    }
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
