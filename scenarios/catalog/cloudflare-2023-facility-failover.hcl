# Cloudflare, 2023-11-02: a power failure at PDX-04, the largest of the
# three Oregon data centers behind its control plane and analytics, took
# them down from 11:43 UTC; most of the control plane was serving again
# from the disaster recovery facility at 17:57 UTC, and the incident ended
# on November 4 at 04:25 UTC; raw log services were unavailable for most
# customers throughout (opening paragraphs). Each other facility, and the
# high-availability part of PDX-04, had been taken offline in tests, but
# never the whole of PDX-04, so services that depended on it without
# anyone knowing were only found during the outage (the post's account of
# why the failover did not cover everything).
#
# The drill, on one PostgreSQL server: take the whole primary offline at
# once (no new connections, every session ended), bring the service's
# database up at the recovery site from its newest copy, and time it until
# it serves from there. Both databases and the copy are removed after.

variable "cloudflare_server" {
  description = "PostgreSQL server URL without a database: postgres://user:password@host:port"
  default     = "postgres://postgres@127.0.0.1:5432"
  sensitive   = true
}

variable "cloudflare_primary_db" {
  description = "Scratch database standing for the primary site; created and dropped by the drill."
  default     = "redrill_cloudflare_primary"
}

variable "cloudflare_dr_db" {
  description = "Scratch database standing for the recovery site; created and dropped by the drill."
  default     = "redrill_cloudflare_dr"
}

variable "cloudflare_work_dir" {
  description = "Folder the copy shipped to the recovery site is written to; removed after."
  default     = "/var/tmp"
}

locals {
  cloudflare_admin_dsn   = "${var.cloudflare_server}/postgres?sslmode=disable"
  cloudflare_primary_dsn = "${var.cloudflare_server}/${var.cloudflare_primary_db}?sslmode=disable"
  cloudflare_dr_dsn      = "${var.cloudflare_server}/${var.cloudflare_dr_db}?sslmode=disable"
  cloudflare_copy        = "${var.cloudflare_work_dir}/redrill-cloudflare-copy.dump"
}

scenario "cloudflare-2023-facility-failover" {
  description = "Take the whole primary site offline and bring the control plane's database up at the recovery site, timed."
  owner       = "platform"
  tags        = ["postgres", "failover", "disaster-recovery", "catalog"]
  timeout     = "6h"

  postmortem {
    title   = "Post mortem on the Cloudflare Control Plane and Analytics Outage"
    date    = "2023-11-02"
    url     = "https://blog.cloudflare.com/post-mortem-on-cloudflare-control-plane-and-analytics-outage/"
    finding = "The whole primary facility had never been taken offline in a test, so dependencies on it were found during the outage; the control plane took about six hours to come up at the recovery site (opening paragraphs)."
  }

  objective {
    rto = "1h"
  }

  setup {
    step "drop-leftover-primary" {
      sql {
        dsn   = local.cloudflare_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.cloudflare_primary_db} WITH (FORCE)"
      }
    }
    step "drop-leftover-dr" {
      sql {
        dsn   = local.cloudflare_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.cloudflare_dr_db} WITH (FORCE)"
      }
    }
    step "create-primary" {
      sql {
        dsn   = local.cloudflare_admin_dsn
        query = "CREATE DATABASE ${var.cloudflare_primary_db}"
      }
    }
    step "load-primary" {
      sql {
        dsn   = local.cloudflare_primary_dsn
        query = "CREATE TABLE zones (id bigint PRIMARY KEY, name text NOT NULL); INSERT INTO zones SELECT g, 'zone-' || g || '.example' FROM generate_series(1, 10000) AS g"
      }
    }
    step "ship-copy" {
      command { run = ["pg_dump", "-Fc", "--file", local.cloudflare_copy, local.cloudflare_primary_dsn] }
    }
  }

  disrupt {
    step "primary-offline" {
      sql {
        dsn   = local.cloudflare_admin_dsn
        query = "ALTER DATABASE ${var.cloudflare_primary_db} WITH ALLOW_CONNECTIONS false"
      }
    }
    step "end-primary-sessions" {
      sql {
        dsn   = local.cloudflare_admin_dsn
        query = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${var.cloudflare_primary_db}' AND pid <> pg_backend_pid()"
      }
    }
  }

  recover {
    step "create-dr" {
      sql {
        dsn   = local.cloudflare_admin_dsn
        query = "CREATE DATABASE ${var.cloudflare_dr_db}"
      }
    }
    step "restore-at-dr" {
      command {
        run     = ["pg_restore", "--no-owner", "--dbname", local.cloudflare_dr_dsn, local.cloudflare_copy]
        timeout = "4h"
      }
    }
  }

  recovered_when {
    every   = "5s"
    timeout = "1h"
    check "serving-from-dr" {
      sql {
        dsn   = local.cloudflare_dr_dsn
        query = "SELECT count(*) FROM zones"
      }
      assert {
        condition     = result.value == 10000
        error_message = "the recovery site does not hold every zone"
      }
    }
  }

  rollback {
    step "drop-primary" {
      sql {
        dsn   = local.cloudflare_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.cloudflare_primary_db} WITH (FORCE)"
      }
    }
    step "drop-dr" {
      sql {
        dsn   = local.cloudflare_admin_dsn
        query = "DROP DATABASE IF EXISTS ${var.cloudflare_dr_db} WITH (FORCE)"
      }
    }
    step "remove-copy" {
      command { run = ["rm", "-f", local.cloudflare_copy] }
    }
  }
}
