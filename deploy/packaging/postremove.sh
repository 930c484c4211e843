#!/bin/sh
# The history in /var/lib/redrill and the redrill user are kept: a run's
# record outlives the package. Remove them by hand (docs/install.md).
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
