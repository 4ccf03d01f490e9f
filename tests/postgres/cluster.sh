#!/bin/bash
# A throwaway PostgreSQL cluster for the tests and benchmarks.
#   cluster.sh start BINDIR DIR [durable]   initdb into DIR/data, start on 127.0.0.1 at a free port,
#                                           write the connection URL to DIR/url, and one over the
#                                           Unix socket (in DIR) to DIR/socket_url
#   cluster.sh halt BINDIR DIR              stop the server, keeping its data (an outage)
#   cluster.sh resume BINDIR DIR            start it again, on the same port
#   cluster.sh stop BINDIR DIR              stop it and delete DIR
# initdb refuses to run as root, so under root the cluster belongs to the `postgres` OS user.
# Without `durable` the server skips fsync: the data is thrown away after the run anyway.
set -euo pipefail
action=$1
bindir=$2
dir=$3
durable=${4:-}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case $action in
start)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  as_owner "$bindir/initdb" -D "$dir/data" -U conductor --auth=trust --no-locale -E UTF8 >"$dir/initdb.log"
  settings="-c listen_addresses=127.0.0.1 -k $dir -c max_connections=300"
  if [ -z "$durable" ]; then settings="$settings -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
  # A random port, another one when it is taken.
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$settings -p $port" start \
        >/dev/null; then
      echo "$settings -p $port" >"$dir/options"
      echo "postgresql://conductor@127.0.0.1:$port/postgres" >"$dir/url"
      echo "postgresql://conductor@/postgres?host=$dir&port=$port" >"$dir/socket_url"
      echo "PostgreSQL started: $(cat "$dir/url")"
      exit 0
    fi
  done
  echo "could not start PostgreSQL; see $dir/server.log" >&2
  exit 1
  ;;
halt)
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
resume)
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/options")" start >/dev/null
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: cluster.sh start|halt|resume|stop BINDIR DIR [durable]" >&2
  exit 2
  ;;
esac
