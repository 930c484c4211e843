variable "dsn" {
  default = "postgres://127.0.0.1:5432/orders"
}

locals {
  admin = replace(var.dns, "/orders", "/postgres")
}

scenario "references" {
  timeout = "1h"

  recover {
    step "create" {
      sql {
        dsn   = local.admn
        query = uppercase("create database orders")
      }
    }
    step "restore" {
      command {
        run = ["pg_restore", "--dbname", var.dsn, steps.load.stdout]
      }
      assert {
        condition = result.exitcode == 0
      }
    }
    step "load" {
      command {
        run = ["psql", steps.restor.stdout, result.stdout]
      }
    }
  }

  recovered_when {
    check "orders" {
      sql {
        dsn   = var.dsn
        query = "SELECT count(*) FROM orders"
      }
      assert {
        condition     = 42
        error_message = steps.create.row_count
      }
    }
  }

  rollback {
    step "report" {
      command {
        run = ["echo", steps.orders.value]
      }
    }
  }
}
