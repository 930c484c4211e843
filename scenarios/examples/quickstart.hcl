# The quick start: a complete drill on a small SQLite "orders" database,
# with nothing to install but Go.
#
# The incident it rehearses: the database file is lost. The drill takes a
# backup, loses the file, restores it from the backup, waits until every
# order is back, measures how much data the backup would have lost, and
# cleans up.
#
#   go run ./cmd/redrill run scenarios/examples/quickstart.hcl

locals {
  tmp    = env("TMPDIR", "/tmp")
  orders = "${local.tmp}/redrill-quickstart-orders.db"
  backup = "${local.tmp}/redrill-quickstart-backup.db"
}

scenario "quickstart-orders-restore" {
  description = "Lose the orders database file and restore it from the newest backup."
  owner       = "you"
  tags        = ["quickstart", "sqlite"]
  timeout     = "5m"

  postmortem {
    title   = "Database file lost; nobody knew how long the restore would take"
    finding = "The restore from backup had never been timed."
  }

  objective {
    rto = "1m"
    rpo = "1h"
  }

  # Before anything is touched: the database has orders, and a backup is
  # taken, as a nightly job would.
  steady_state {
    check "no-leftover-backup" {
      file { path = local.backup }
      assert {
        condition     = !result.exists
        error_message = "a backup from an interrupted run is left at ${local.backup}: delete it and run again"
      }
    }
    check "orders-table" {
      sql {
        driver = "sqlite"
        dsn    = local.orders
        query  = "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, item TEXT NOT NULL, created_at TEXT NOT NULL)"
      }
    }
    check "orders-seeded" {
      sql {
        driver = "sqlite"
        dsn    = local.orders
        query  = <<-SQL
          WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
          INSERT INTO orders (item, created_at)
          SELECT 'item-' || i, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || (1000 - i) || ' seconds')
          FROM n WHERE NOT EXISTS (SELECT 1 FROM orders)
        SQL
      }
    }
    check "orders-before" {
      sql {
        driver = "sqlite"
        dsn    = local.orders
        query  = "SELECT count(*) FROM orders"
      }
      assert {
        condition     = result.value > 0
        error_message = "the orders database is empty"
      }
    }
    check "backup-taken" {
      sql {
        driver = "sqlite"
        dsn    = local.orders
        query  = "VACUUM INTO '${local.backup}'"
      }
    }
  }

  # The incident: the database file is gone. The recovery clock starts here.
  disrupt {
    step "lose-the-database" {
      command { run = ["rm", "-f", local.orders] }
    }
  }

  recover {
    step "restore-from-backup" {
      sql {
        driver = "sqlite"
        dsn    = local.backup
        query  = "VACUUM INTO '${local.orders}'"
      }
    }
  }

  # The clock stops at the first round in which every order is back.
  recovered_when {
    every   = "50ms"
    timeout = "1m"
    check "orders-back" {
      sql {
        driver = "sqlite"
        dsn    = local.orders
        query  = "SELECT count(*) FROM orders"
      }
      assert {
        condition     = result.value == steps.orders-before.value
        error_message = "orders are missing after the restore"
      }
    }
  }

  # RPO measured = clock start - the newest order that survived.
  data_loss {
    sql {
      driver = "sqlite"
      dsn    = local.orders
      query  = "SELECT max(created_at) FROM orders"
    }
    newest_record = result.value
  }

  rollback {
    step "remove-files" {
      command { run = ["rm", "-f", local.orders, local.backup] }
    }
  }
}
