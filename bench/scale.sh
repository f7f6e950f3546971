#!/usr/bin/env bash
# Issue 18 benchmark: generates every input of the table in BENCHMARKS.md ("Scale") with
# `ndbench` and times each row with /usr/bin/time, RUNS fresh processes per row (default 3);
# prints per run "row: wall user sys maxrss" and the median of user+sys, wall and RSS.
#
# Usage: bench/scale.sh [ROW...]   rows: check doctor snapshot yaml excepts html map doctor-text nca
#   ND=path/to/netdoctor (default target/release/netdoctor), RUNS=N, BENCH_DIR=/tmp/netdoctor-scale
#   TAG=before|after suffixes the output files (to compare two binaries' outputs);
#   the nca row runs network-config-analyzer 2.1.0 (NCA=path/to/nca, default nca on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_DIR:-/tmp/netdoctor-scale}
runs=${RUNS:-3}
nd=${ND:-target/release/netdoctor}
mkdir -p "$out"
[ -n "${NO_BUILD:-}" ] || cargo build --release --locked -p netdoctor -p netdoctor-bench -q
gen=target/release/ndbench

# 1,000 namespaces × 50 Deployments × 2 pods, a Service per Deployment, 5,300 policies.
[ -f "$out/c100k.json" ] || "$gen" gen --lean --pods 100000 --namespaces 1000 --per-workload 2 --policies 5300 -o "$out/c100k.json"
[ -f "$out/c100k.yaml" ] || "$gen" gen --lean --pods 100000 --namespaces 1000 --per-workload 2 --policies 5300 --yaml -o "$out/c100k.yaml"
# 20 policies × 1,000 ipBlock excepts over 10 namespaces × 10 one-pod workloads.
[ -f "$out/excepts.yaml" ] || "$gen" gen-excepts --namespaces 10 --deployments 10 --policies 20 --excepts 1000 -o "$out/excepts.yaml"
# 4,000 one-pod workloads, 200 namespaces × 20, 5 policies per namespace.
[ -f "$out/w4000.json" ] || "$gen" gen --lean --pods 4000 --namespaces 200 --per-workload 1 --policies 1000 -o "$out/w4000.json"
# The peer comparison file: 500 Deployments, 10 namespaces, 270 policies.
[ -f "$out/w500.yaml" ] || python3 tools/differential/netpol_diff.py --emit 500 --namespaces 10 --deployments 500 --policies 270 > "$out/w500.yaml"

# One row: NAME OUTFILE CMD... ; RUNS fresh processes, output to OUTFILE (its size is printed).
row() {
  local name=$1 dest=$2${TAG:+.$TAG}; shift 2
  local tmp="$out/.time${TAG:+.$TAG}" runs_file="$out/.$name${TAG:+.$TAG}.runs"
  : > "$runs_file"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$tmp" "$@" > "$dest" 2>/dev/null || true
    tail -n 1 "$tmp" >> "$runs_file"
  done
  awk -v name="$name" -v bytes="$(stat -c %s "$dest")" '
    { wall[NR]=$1; cpu[NR]=$2+$3; rss[NR]=$4 }
    function med(a, n,   i, j, t) { for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]<a[i]) { t=a[i]; a[i]=a[j]; a[j]=t }; return a[int((n+1)/2)] }
    END { printf "%-12s cpu %6.2f s  wall %6.2f s  rss %7.0f MiB  output %.1f MB  (%d runs)\n", name, med(cpu,NR), med(wall,NR), med(rss,NR)/1024, bytes/1e6, NR }
  ' "$runs_file"
}

rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(check doctor snapshot yaml excepts html map doctor-text)
for r in "${rows[@]}"; do
  case $r in
    check) row check "$out/check.txt" "$nd" policy check -f "$out/c100k.json" --from team-500/deployment/frontend-004 --to team-500/deployment/api-005 --port 8080 ;;
    doctor) row doctor "$out/doctor.json" "$nd" doctor -A -o json -f "$out/c100k.json" ;;
    snapshot) row snapshot "$out/snapshot.out" "$nd" snapshot -f "$out/c100k.json" ;;
    yaml) row yaml "$out/yaml.json" "$nd" doctor -A -o json -f "$out/c100k.yaml" ;;
    excepts) row excepts "$out/excepts.txt" "$nd" policy map -o txt -f "$out/excepts.yaml" ;;
    html) row html "$out/report.html" "$nd" doctor -A -o html -f "$out/w4000.json" ;;
    map) row map "$out/map.txt" "$nd" policy map -o txt -f "$out/w500.yaml" ;;
    doctor-text) row doctor-text "$out/doctor.txt" "$nd" doctor -A -f "$out/w500.yaml"; wc -l < "$out/doctor.txt${TAG:+.$TAG}" ;;
    nca) row nca "$out/nca.txt" "${NCA:-nca}" --connectivity "$out/w500.yaml" --resource_list "$out/w500.yaml" --output_format txt_no_fw_rules ;;
    *) echo "unknown row $r" >&2; exit 2 ;;
  esac
done
