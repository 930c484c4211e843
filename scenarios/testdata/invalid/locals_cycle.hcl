locals {
  a = "${local.c}-a"
  b = "${local.a}-b"
}

locals {
  c = "${local.b}-c"
  d = "plain"
  a = "again"
}

scenario "cycle" {
  recover {
    step "restore" {
      command { run = ["echo", local.d] }
    }
  }
}
