#!/usr/bin/env bash
# Proof of stability: the whole suite, several times in a row, from a clean clone, while a
# CPU hog keeps both cores busy.
#
#   bash tests/stability.sh            # 3 runs of .ci/run (RUNS=N for another count)
#
# The committed HEAD of this repository is cloned into a temporary folder; .ci/run (CI=true:
# the derandomised hypothesis profile; it installs .venv on the first run, then `make test`)
# runs RUNS times in a row there, while `stress-ng --cpu 2` keeps both cores busy for the
# whole time.  The clone keeps its .venv and execution cache between runs, as a developer's
# checkout does (CLEAN_EACH=1 runs `make clean` before every run, so every chapter executes
# every time).  Prints one line per run and a total; exits non-zero if any run failed.
# Logs: <tmp>/run-N.log (the folder is kept when a run fails, else removed).
set -uo pipefail

RUNS="${RUNS:-3}"
CLEAN_EACH="${CLEAN_EACH:-0}"
src="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/natgrad-stability.XXXXXX")"
command -v stress-ng >/dev/null || { echo "stress-ng is missing (Debian: apt-get install stress-ng)"; exit 2; }

git clone -q "$src" "$work/repo" || exit 2
echo "clone:   $(git -C "$work/repo" log -1 --format='%h %s' | cut -c1-90)"
echo "folder:  $work/repo"
echo "load:    stress-ng --cpu 2 (both cores busy) for the whole run"

stress-ng --cpu 2 --timeout 3h --quiet &
hog=$!
trap 'kill "$hog" 2>/dev/null; wait "$hog" 2>/dev/null' EXIT

failures=0
start_all=$SECONDS
for i in $(seq 1 "$RUNS"); do
  [ "$CLEAN_EACH" = 1 ] && make -C "$work/repo" -s clean >/dev/null
  start=$SECONDS
  (cd "$work/repo" && CI=true bash .ci/run) >"$work/run-$i.log" 2>&1 </dev/null
  rc=$?
  took=$((SECONDS - start))
  summary="$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$work/run-$i.log" | tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//')"
  [ "$rc" -eq 0 ] || failures=$((failures + 1))
  printf 'run %d/%d: exit %d after %dm%02ds: %s\n' "$i" "$RUNS" "$rc" $((took / 60)) $((took % 60)) "${summary:-no pytest summary (see $work/run-$i.log)}"
  if [ "$rc" -ne 0 ]; then
    grep -E '^(FAILED|ERROR) ' "$work/run-$i.log" | head -20 | sed 's/^/    /'
  fi
done
total=$((SECONDS - start_all))
printf 'total: %d run(s), %d failed, %dm%02ds under load\n' "$RUNS" "$failures" $((total / 60)) $((total % 60))
if [ "$failures" -eq 0 ]; then rm -rf "$work"; else echo "logs kept in $work"; fi
exit $((failures > 0))
