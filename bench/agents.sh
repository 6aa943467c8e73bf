# shellcheck shell=bash disable=SC2034  # sets variables for the script that sources it
# Sourced by the benchmarks that run whole agents (acceptance_bench,
# completion_bench), from the repository's root: a scratch directory with
# the 500-rack inventory and a durable PostgreSQL cluster, an admin token,
# and agents started on 127.0.0.1 until they listen. The switches are never
# contacted, but an agent takes no work while it could not work one: their
# password is set and their keys accepted.

# Sets dir, pids, token and hash; everything goes when the script exits.
bench_setup() {
  dir=$(mktemp -d)
  chmod 755 "$dir"  # the cluster runs as postgres
  pids=()
  trap bench_cleanup EXIT
  build/bench/backends_bench --write-inventory "$dir/inventory.yaml"
  scripts/pg-cluster start "$dir/pg" --durable >/dev/null
  export COLO_BENCH_UNUSED=unused
  local tokjson
  tokjson=$(./build/colo --json token)
  token=$(sed -n 's/.*"token": "\([^"]*\)".*/\1/p' <<<"$tokjson")
  hash=$(sed -n 's/.*"sha256": "\([^"]*\)".*/\1/p' <<<"$tokjson")
}

bench_stop_agents() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

bench_cleanup() {
  bench_stop_agents
  scripts/pg-cluster stop "$dir/pg" >/dev/null 2>&1 || true
  rm -rf "$dir"
}

# bench_config STATE ID WORKERS: writes an agent's config, prints its path.
bench_config() {
  local f="$dir/colo-$2.yaml"
  cat > "$f" <<YAML
inventory: $dir/inventory.yaml
state: $1
playbooks: $PWD/playbooks
known_hosts: $dir/known_hosts
accept_new_host_keys: true
credentials:
  lab: {username: colo, password_env: COLO_BENCH_UNUSED}
listen: 127.0.0.1:0
workers: $3
agent_id: $2
drift: {interval_s: 0}
tokens:
  - {name: bench, role: admin, sha256: "$hash"}
YAML
  echo "$f"
}

# bench_agent CONFIG LOG: starts an agent, waits (20 s at most) until it
# listens; sets `port` (empty when it did not) and adds it to `pids`.
bench_agent() {
  ./build/colo --config "$1" agent > "$2" 2>&1 &
  pids+=($!)
  for _ in $(seq 400); do grep -q listening "$2" && break; sleep 0.05; done
  port=$(grep -o '"address":"127.0.0.1:[0-9]*"' "$2" | grep -o '[0-9]*"$' | tr -d '"' || true)
}
