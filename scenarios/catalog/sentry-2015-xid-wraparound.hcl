# Sentry, 2015-07-20: the hosted service was down for most of the US
# working day (opening paragraph). The cause was PostgreSQL's transaction
# ID wraparound: PostgreSQL depends on vacuuming to keep transaction IDs
# from running out, and Sentry, a write-heavy application with some very
# large tables, reached the point where the database protects itself by
# refusing writes ("Transaction ID Wraparound").
# Data loss: not stated as such in the parts cited here.
#
# The drill: watch the database's transaction ID age against the point
# where PostgreSQL stops writes, and time a freezing vacuum of a copy the
# size of the largest table, so the length of that recovery is known
# before it is needed. The copy lives in a scratch database the drill
# creates and drops.

variable "sentry_server" {
  description = "PostgreSQL server URL without a database: postgres://user:password@host:port"
  default     = "postgres://postgres@127.0.0.1:5432"
  sensitive   = true
}

variable "sentry_source_db" {
  description = "The production database; only read, for its transaction ID age."
  default     = "sentry"
}

variable "sentry_scratch_db" {
  description = "Database the copy is made and vacuumed in; created and dropped by the drill."
  default     = "redrill_sentry_vacuum"
}

variable "sentry_rows" {
  type        = number
  description = "Rows of the copy: set it to the size of the largest table to time a real freeze."
  default     = 1000000
}

variable "sentry_max_age" {
  type        = number
  description = "Highest acceptable age(datfrozenxid): about a quarter of the 2^31 where PostgreSQL stops writes."
  default     = 500000000
}

locals {
  sentry_admin_dsn   = "${var.sentry_server}/postgres?sslmode=disable"
  sentry_scratch_dsn = "${var.sentry_server}/${var.sentry_scratch_db}?sslmode=disable"
}

scenario "sentry-2015-xid-wraparound" {
  description = "Check transaction ID age, and time a freezing vacuum of a copy the size of the largest table."
  owner       = "db-team"
  tags        = ["postgres", "maintenance", "catalog"]
  timeout     = "12h"

  postmortem {
    title   = "Transaction ID Wraparound in Postgres"
    date    = "2015-07-20"
    url     = "https://blog.sentry.io/transaction-id-wraparound-in-postgres/"
    finding = "Vacuuming did not keep very large, write-heavy tables ahead of transaction ID wraparound, and nothing warned before PostgreSQL stopped writes (\"Transaction ID Wraparound\"); the service was down for most of a working day (opening paragraph)."
  }

  objective {
    rto = "1h"
  }

  steady_state {
    check "xid-age-safe" {
      sql {
        dsn   = local.sentry_admin_dsn
        query = "SELECT age(datfrozenxid) FROM pg_database WHERE datname = $1"
        args  = [var.sentry_source_db]
      }
      assert {
        condition     = result.row_count == 1 && result.value < var.sentry_max_age
        error_message = "the database's transaction ID age is past the limit set: vacuum before it stops writes"
      }
    }
  }

  setup {
    step "drop-leftover" {
      sql {
        dsn   = local.sentry_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.sentry_scratch_db} WITH (FORCE)"
      }
    }
    step "create-scratch" {
      sql {
        dsn   = local.sentry_admin_dsn
        query = "CREATE DATABASE ${var.sentry_scratch_db}"
      }
    }
    step "copy-largest" {
      sql {
        dsn   = local.sentry_scratch_dsn
        query = "CREATE TABLE events AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, ${var.sentry_rows}) AS g"
      }
    }
  }

  recover {
    step "freeze" {
      sql {
        dsn   = local.sentry_scratch_dsn
        query = "VACUUM (FREEZE) events"
      }
    }
  }

  recovered_when {
    every   = "5s"
    timeout = "30m"
    check "frozen" {
      sql {
        dsn   = local.sentry_scratch_dsn
        query = "SELECT age(relfrozenxid) FROM pg_class WHERE relname = 'events'"
      }
      assert {
        condition     = result.value < 1000
        error_message = "the table is not frozen yet"
      }
    }
  }

  rollback {
    step "remove-scratch" {
      sql {
        dsn   = local.sentry_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.sentry_scratch_db} WITH (FORCE)"
      }
    }
  }
}
