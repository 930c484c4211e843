#!/bin/sh
# The service runs as an unprivileged system user whose home is its state.
set -e
if ! getent group redrill >/dev/null; then
  groupadd --system redrill
fi
if ! getent passwd redrill >/dev/null; then
  useradd --system --gid redrill --home-dir /var/lib/redrill --no-create-home \
    --shell /usr/sbin/nologin --comment "redrill drill runner" redrill
fi
