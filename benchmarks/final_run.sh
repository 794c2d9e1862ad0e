#!/usr/bin/env bash
# The performance run the README's table comes from: every benchmark of the issue goals, one
# after another (never two at once: the machine has 2 cores), on stores of 10k to 1M events.
#
#     bash benchmarks/final_run.sh [WORK]      # WORK keeps the stores (default /tmp/akkoord-run)
#
# Each script prints its own tables, ratios to floors measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/akkoord-run}
mkdir -p "$work"
py=${PYTHON:-.venv/bin/python}
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
$py benchmarks/run.py --events 10000 100000 1000000 --work "$work"
$py benchmarks/readers.py --store "$work/store-1000000.db" --runs 3
$py benchmarks/graph.py --events 2000 20000 200000 --runs 3 --work "$work/graph" --startup
$py benchmarks/graph.py --store "$work/store-1000000.db" --views "$work/views-1000000.db" --runs 1
$py benchmarks/yaml_speed.py --events 20000 100000 --runs 3
