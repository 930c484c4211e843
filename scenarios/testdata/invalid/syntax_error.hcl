scenario "broken" {
  timeout "1h"
  recover {
    step "x" {
      command { run = ["true"] }
    }
  }
}
