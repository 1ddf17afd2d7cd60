#!/usr/bin/env bash
# upper-bound.sh [ROUNDS] — how fast send-throughput could go if parts of the pipeline cost
# nothing. It builds the engine with upper-bound.patch applied in a scratch worktree (the
# patch adds environment switches that drop a part: never a mode the engine ships), then runs
# send-throughput's closed-loop phase alternately with each switch set, ROUNDS times (default
# 3), and prints each run and the median per configuration. See README.md here.
set -euo pipefail
rounds=${1:-3}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git -C "$root" worktree add --detach "$work/tree" HEAD >/dev/null
git -C "$work/tree" apply "$root/bench/experiments/upper-bound.patch"
(cd "$work/tree" && go build -ldflags "-X main.version=$(git -C "$root" rev-parse --short HEAD)+upper-bound" -o "$work/switchboard" ./cmd/switchboard)

configs=(
	""
	"EXPERIMENT_NO_CONVERSATION_STORE=1"
	"EXPERIMENT_NO_CONVERSATION=1"
	"EXPERIMENT_NO_CONVERSATION=1 EXPERIMENT_NO_SETTLE=1"
	"EXPERIMENT_NO_CONVERSATION=1 EXPERIMENT_NO_SETTLE=1 EXPERIMENT_NO_SYNC=1"
)
"$work/switchboard" bench send-throughput --latency-rate 0 --backlog 0 --ceiling-duration 0 --duration 1s >/dev/null 2>&1 || true
for r in $(seq 1 "$rounds"); do
	for i in "${!configs[@]}"; do
		line=$(env ${configs[$i]} "$work/switchboard" bench send-throughput --latency-rate 0 --backlog 0 \
			--ceiling-duration 0 --duration 6s 2>&1 | grep 'API call')
		rate=$(awk '{print $5}' <<<"$line")
		cpu=$(grep -o '[0-9]* µs' <<<"$line" | awk '{print $1}')
		echo "$i $rate $cpu" >>"$work/runs"
		printf 'round %d  %-75s %6s msg/s %4s µs/msg\n' "$r" "${configs[$i]:-(as shipped)}" "$rate" "$cpu"
	done
done
echo "medians over $rounds rounds:"
for i in "${!configs[@]}"; do
	rate=$(awk -v i="$i" '$1==i{print $2}' "$work/runs" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
	cpu=$(awk -v i="$i" '$1==i{print $3}' "$work/runs" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
	printf '  %-75s %6s msg/s %4s µs/msg\n' "${configs[$i]:-(as shipped)}" "$rate" "$cpu"
done
