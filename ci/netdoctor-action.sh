#!/usr/bin/env bash
# The GitHub Action's step (action.yml): runs `netdoctor doctor` on the repository's
# manifests, writes SARIF for code scanning and a Markdown summary, and, when a base ref is
# given, `netdoctor diff` against the manifests at that ref. Runs anywhere with bash and the
# netdoctor binary (tests/action_script.rs runs it against examples/).
#
# Environment (the action's inputs):
#   NETDOCTOR_BIN       the binary (default: netdoctor on PATH)
#   NETDOCTOR_PATHS     manifests, files or directories, separated by newlines or spaces (default: .)
#   NETDOCTOR_FAIL_ON   error | warning | info | none (default: error)
#   NETDOCTOR_CONFIG    a suppression config (default: .netdoctor.yaml when present)
#   NETDOCTOR_ARGS      more arguments for doctor (e.g. --skip NP002 --min-severity warning)
#   NETDOCTOR_SARIF     where the SARIF goes (default: netdoctor.sarif)
#   NETDOCTOR_BASE      a git ref: also run `netdoctor diff` of the manifests at that ref
#                       against the working tree
# Outputs (appended to $GITHUB_OUTPUT when set): exit-code (doctor's: 0 clean, 1 findings at
# or above fail-on), sarif (the SARIF path), diff-exit-code (when a base was given).
#
# Exit status: 0 when doctor ran (whatever it found: the action's last step gates on
# exit-code, after the SARIF is uploaded); doctor's own status when it could not run (2: a
# usage error such as an unknown rule or namespace, 3: no cluster), so a broken gate fails.
set -uo pipefail

bin="${NETDOCTOR_BIN:-netdoctor}"
fail_on="${NETDOCTOR_FAIL_ON:-error}"
sarif="${NETDOCTOR_SARIF:-netdoctor.sarif}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
output="${GITHUB_OUTPUT:-/dev/null}"

read -r -a paths <<< "$(echo "${NETDOCTOR_PATHS:-.}" | tr '\n' ' ')"
if [ "${#paths[@]}" -eq 0 ]; then paths=(.); fi
inputs=()
for p in "${paths[@]}"; do inputs+=(-f "$p"); done
read -r -a extra <<< "${NETDOCTOR_ARGS:-}"
if [ -n "${NETDOCTOR_CONFIG:-}" ]; then extra+=(--config "$NETDOCTOR_CONFIG"); fi

run_doctor() {
  "$bin" doctor "${inputs[@]}" --fail-on "$fail_on" "${extra[@]}" "$@"
}

# SARIF first: its exit code is the gate.
run_doctor -o sarif > "$sarif"
code=$?
echo "sarif=$sarif" >> "$output"
echo "exit-code=$code" >> "$output"
if [ "$code" -ge 2 ]; then
  echo "::error title=netdoctor::netdoctor could not run (exit $code); see the message above" >&2
  exit "$code"
fi

# The findings in the log and in the job summary.
run_doctor -o table || true
{
  echo "## netdoctor"
  run_doctor -o md || true
} >> "$summary"

if [ -n "${NETDOCTOR_BASE:-}" ]; then
  base_dir="$(mktemp -d)"
  trap 'git worktree remove --force "$base_dir" >/dev/null 2>&1; rm -rf "$base_dir"' EXIT
  if git worktree add --detach "$base_dir" "$NETDOCTOR_BASE" >/dev/null 2>&1; then
    base_inputs=()
    for p in "${paths[@]}"; do
      if [ -e "$base_dir/$p" ]; then base_inputs+=("$base_dir/$p"); fi
    done
    if [ "${#base_inputs[@]}" -gt 0 ]; then
      # `netdoctor diff --base OLD -f NEW`: what the change does to connectivity and findings.
      diff_args=()
      for b in "${base_inputs[@]}"; do diff_args+=(--base "$b"); done
      {
        echo "## netdoctor diff against $NETDOCTOR_BASE"
        "$bin" diff "${diff_args[@]}" "${inputs[@]}" -o md
        echo "diff-exit-code=$?" >> "$output"
      } >> "$summary"
      "$bin" diff "${diff_args[@]}" "${inputs[@]}" || true
    else
      echo "netdoctor: none of the paths exists at $NETDOCTOR_BASE; no diff" >&2
    fi
  else
    echo "::warning title=netdoctor::cannot check out $NETDOCTOR_BASE (fetch-depth: 0 in actions/checkout?); no diff" >&2
  fi
fi

if [ "$code" -ne 0 ]; then
  echo "::error title=netdoctor::findings at or above --fail-on $fail_on (see the SARIF results and the job summary)" >&2
fi
exit 0
