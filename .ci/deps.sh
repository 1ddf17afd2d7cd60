#!/usr/bin/env bash
# Starts Redis and FerretDB on free loopback ports with throw-away data folders, and exports
# the variables tests read (internal/testenv):
#   SWITCHBOARD_TEST_REDIS_URL, SWITCHBOARD_TEST_MONGODB_URI
# Source it, then call deps_start; deps_stop ends both and removes their data.
# Assumes redis-server is installed (.ci/run installs it) and FerretDB is built
# (.ci/build-ferretdb.sh).

deps_dir=""
deps_pids=()

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() { # host port seconds name
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "deps: $4 did not listen on $1:$2 within $3 s" >&2; return 1; fi
    sleep 0.2
  done
}

deps_start() {
  local root; root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  deps_dir=$(mktemp -d /tmp/switchboard-deps.XXXXXX)
  mkdir -p "$deps_dir/redis" "$deps_dir/ferretdb"

  local redis_port; redis_port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --dir "$deps_dir/redis" --daemonize no >"$deps_dir/redis.log" 2>&1 &
  deps_pids+=($!)
  wait_port 127.0.0.1 "$redis_port" 20 redis || { cat "$deps_dir/redis.log" >&2; return 1; }

  local mongo_port; mongo_port=$(free_port)
  "$root/.ci/bin/ferretdb" --handler=sqlite --sqlite-url="file:$deps_dir/ferretdb/" \
    --listen-addr="127.0.0.1:$mongo_port" --debug-addr=127.0.0.1:0 --telemetry=disable \
    --state-dir="$deps_dir/ferretdb" --log-level=warn >"$deps_dir/ferretdb.log" 2>&1 &
  deps_pids+=($!)
  wait_port 127.0.0.1 "$mongo_port" 60 ferretdb || { cat "$deps_dir/ferretdb.log" >&2; return 1; }

  export SWITCHBOARD_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
  export SWITCHBOARD_TEST_MONGODB_URI="mongodb://127.0.0.1:$mongo_port/"
  echo "deps: redis at $SWITCHBOARD_TEST_REDIS_URL, ferretdb at $SWITCHBOARD_TEST_MONGODB_URI (data in $deps_dir)"
}

deps_stop() {
  local pid
  for pid in "${deps_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${deps_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  deps_pids=()
  [ -n "$deps_dir" ] && rm -rf "$deps_dir"
  deps_dir=""
}
