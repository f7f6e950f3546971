#!/usr/bin/env bash
# Load/analyse benchmark of netdoctor on generated clusters (see BENCHMARKS.md).
# Usage: bench/run.sh [SIZES...]   (default: 10000 100000 pods)
# Every figure comes from a fresh process: wall time and peak RSS (VmHWM).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10000 100000}")
[ $# -eq 0 ] && sizes=(10000 100000)
out=${BENCH_DIR:-/tmp/netdoctor-bench}
mkdir -p "$out"
cargo build --release --locked -p netdoctor-bench -q
nd=target/release/ndbench
for n in "${sizes[@]}"; do
  policies=$(( n / 20 )); [ "$policies" -gt 5000 ] && policies=5000
  "$nd" gen --pods "$n" --namespaces $(( n / 1000 > 10 ? n / 1000 : 10 )) --policies "$policies" -o "$out/c$n.json"
  "$nd" gen --pods "$n" --namespaces $(( n / 1000 > 10 ? n / 1000 : 10 )) --policies "$policies" --yaml -o "$out/c$n.yaml"
  "$nd" parse-value "$out/c$n.json"
  "$nd" load "$out/c$n.json"
  "$nd" load "$out/c$n.json" --doctor
  "$nd" load "$out/c$n.yaml" --doctor
done
