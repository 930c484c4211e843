variable "scratch_dsn" {
  description = "Database the dump is restored into."
  sensitive   = true
}

variable "jobs" {
  type    = number
  default = "two"
}

variable "hosts" {
  type = list(strin)
}

scenario "vars" {
  recover {
    step "restore" {
      command { run = ["pg_restore", "--dbname", var.scratch_dsn] }
    }
  }
}
