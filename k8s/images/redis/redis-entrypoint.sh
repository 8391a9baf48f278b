#!/bin/sh
# Run redis-server in the foreground with the password of REDIS_PASSWORD. The password is handed over on stdin as
# configuration (`redis-server -`), so it is neither in the process's argv (visible to `ps`) nor in a file on the
# read-only root file system. Arguments are passed on as options, e.g. --save '' --appendonly no --maxmemory 64mb.
set -eu
: "${REDIS_PASSWORD:?REDIS_PASSWORD must be set}"
case $REDIS_PASSWORD in
  *'
'*|*'"'*|*\\*) echo "REDIS_PASSWORD must not contain a newline, a double quote or a backslash" >&2; exit 2 ;;
esac
exec redis-server - --dir /data "$@" <<CONFIG
requirepass "$REDIS_PASSWORD"
CONFIG
