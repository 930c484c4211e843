# AWS S3 in us-east-1, 2017-02-28: a command meant to remove a few servers
# removed more, including servers of the index and placement subsystems.
# Both needed a full restart, which had not been done in the large regions
# for many years and took far longer than expected.
# Recovery: about 4 hours until S3 fully recovered in the region.
# Data loss: none reported.
#
# The drill: restart a core service completely, on purpose, on a schedule,
# and measure how long until it serves again.

variable "aws_s3_service" {
  description = "The systemd unit of the service to restart from cold."
  default     = "metadata-index.service"
}

variable "aws_s3_health_url" {
  description = "URL that answers 2xx when the service serves requests again."
  default     = "http://127.0.0.1:8080/healthz"
}

scenario "aws-s3-2017-subsystem-restart" {
  description = "Stop a core service completely and time its restart until it serves again."
  owner       = "platform"
  tags        = ["restart", "cold-start", "catalog"]
  timeout     = "2h"

  postmortem {
    title   = "Summary of the Amazon S3 Service Disruption in the Northern Virginia (US-EAST-1) Region"
    date    = "2017-02-28"
    url     = "https://aws.amazon.com/message/41926/"
    finding = "Subsystems that had not been fully restarted for years took hours to come back when they had to be."
  }

  objective {
    rto = "15m"
  }

  steady_state {
    check "serving" {
      http { url = var.aws_s3_health_url }
    }
  }

  disrupt {
    step "stop" {
      command { run = ["systemctl", "stop", var.aws_s3_service] }
    }
  }

  recover {
    step "start" {
      command { run = ["systemctl", "start", var.aws_s3_service] }
    }
  }

  recovered_when {
    every   = "2s"
    timeout = "1h"
    check "serving-again" {
      http {
        url     = var.aws_s3_health_url
        timeout = "5s"
      }
    }
  }

  rollback {
    step "ensure-started" {
      command { run = ["systemctl", "start", var.aws_s3_service] }
    }
  }
}
