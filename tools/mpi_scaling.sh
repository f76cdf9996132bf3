#!/usr/bin/env bash
# Throughput of W8 (`descent bench cifar`, one CIFAR-10 epoch of the AlexNet-style CNN)
# at 1 rank x 1 thread, 1 rank x 2 threads and 2 ranks x 1 thread, then a chart of
# images/s, scaling efficiency and the all-reduce's share of the epoch.
#
#   cargo build --release -p descent-cli --features mpi
#   tools/mpi_scaling.sh [OUT_DIR]        # default runs/scaling
#
# Needs Open MPI (`mpirun`) and the shared CIFAR-10 subset (DESCENT_DATA or ../shared/data).
# Each configuration runs REPEAT times (default 2); the chart keeps the best of each.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-target/release/descent}"
DATA="${DESCENT_DATA:-$(cd .. && pwd)/shared/data}"
OUT="${1:-runs/scaling}"
REPEAT="${REPEAT:-2}"
mkdir -p "$OUT"
: > "$OUT/scaling.jsonl"
# --bind-to none: Open MPI pins each rank to one core by default, which would leave a
# two-thread rank on a single core.
MPIRUN=(mpirun --oversubscribe --allow-run-as-root --bind-to none)
export OMPI_MCA_btl_vader_single_copy_mechanism=none
for config in "1 1" "1 2" "2 1"; do
  set -- $config
  for _ in $(seq "$REPEAT"); do
    echo "== $1 rank(s) x $2 thread(s)" >&2
    "${MPIRUN[@]}" -np "$1" "$BIN" --threads "$2" --data-dir "$DATA" bench cifar --distributed | tee -a "$OUT/scaling.jsonl"
  done
done
python3 tools/plot_scaling.py "$OUT/scaling.jsonl" "$OUT/scaling.svg"
