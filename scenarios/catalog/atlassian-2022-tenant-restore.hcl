# Atlassian, April 2022: a maintenance script deleted the sites of about
# 775 customers. Backups existed, but restoring individual customers' sites
# into a live, shared environment was a process built for single cases,
# not for hundreds at once.
# Recovery: up to 14 days for some customers. Data loss: at most about five
# minutes of changes before the deletion.
#
# The drill: restore one tenant from backup into the live environment, the
# way support would have to, and time it until the tenant works again.

variable "atlassian_tenant" {
  description = "Id of a test tenant that exists only for this drill."
  default     = "drill-tenant"
}

variable "atlassian_delete_command" {
  type        = list(string)
  description = "Deletes the test tenant, as the incident did."
  default     = ["/usr/local/bin/tenant", "delete", "--soft", "drill-tenant"]
}

variable "atlassian_restore_command" {
  type        = list(string)
  description = "Restores the test tenant from its newest backup."
  default     = ["/usr/local/bin/tenant", "restore", "--from-backup", "drill-tenant"]
}

variable "atlassian_tenant_url" {
  description = "URL that answers 2xx when the tenant works."
  default     = "https://drill-tenant.example.com/status"
}

variable "atlassian_latest_change_url" {
  description = "Answers JSON with updated_at: the time of the tenant's newest change."
  default     = "https://drill-tenant.example.com/api/latest-change"
}

scenario "atlassian-2022-tenant-restore" {
  description = "Delete a test tenant and restore it from backup in the live environment."
  owner       = "platform"
  tags        = ["multi-tenant", "backup", "catalog"]
  timeout     = "12h"

  postmortem {
    title   = "Post-Incident Review on the Atlassian April 2022 outage"
    date    = "2022-04-05"
    url     = "https://www.atlassian.com/engineering/post-incident-review-april-2022-outage"
    finding = "Backups existed, but restoring deleted tenants one by one into a live environment had not been built or rehearsed at scale; it took up to two weeks."
  }

  objective {
    rto = "1h"
    rpo = "1h"
  }

  steady_state {
    check "tenant-works" {
      http { url = var.atlassian_tenant_url }
    }
  }

  disrupt {
    step "delete-tenant" {
      command { run = var.atlassian_delete_command }
    }
  }

  recover {
    step "restore-tenant" {
      command {
        run     = var.atlassian_restore_command
        timeout = "10h"
      }
    }
  }

  recovered_when {
    every   = "10s"
    timeout = "1h"
    check "tenant-works-again" {
      http {
        url     = var.atlassian_tenant_url
        timeout = "10s"
      }
    }
  }

  data_loss {
    http { url = var.atlassian_latest_change_url }
    newest_record = result.json.updated_at
  }

  rollback {
    step "restore-if-still-missing" {
      command { run = var.atlassian_restore_command }
    }
  }
}
