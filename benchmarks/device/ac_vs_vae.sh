#!/usr/bin/env bash
# AVB + AC against the VAE at 8-D (three seeds) and 32-D (seed 0), all
# eight runs side by side on one lent GPU, on the CPU budget's settings
# (reproduce_table2.py --budget cpu: larger adversary, AIS on the first 300
# test images with 1,000 temperatures) except the Adam step size and the
# epochs, then the paired differences (compare_runs.py).
#
#   run with carry [".whl"]: bash benchmarks/device/ac_vs_vae.sh
#
# Env: LR (1e-3), EPOCHS (25), SEEDS ("0 1 2"), DEADLINE (seconds each
# run may take, 530), DEV (@cupy:0; @numpy with TEST=--test checks the
# script here). On an H200, 2026-12-04: 476 s in all (see
# docs/2026-12-04-adam-1e-3-gpu.md). What comes back:
# $OUT/ac_vs_vae.tar.gz (each run's metrics.json, log, args.json and
# ais_log_px.npy) and $OUT/ac_vs_vae.log.
set -u
DEV=${DEV:-@cupy:0}; LR=${LR:-1e-3}; EPOCHS=${EPOCHS:-25}
SEEDS=${SEEDS:-0 1 2}; DEADLINE=${DEADLINE:-530}
OUT=${OUT:-results/ac_vs_vae}; RUNS=${RUNS:-/tmp/ac_vs_vae}
rm -rf "$RUNS"; mkdir -p "$RUNS" "$OUT"
if [ "$DEV" = "@numpy" ]; then
    PY=${PY:-.venv/bin/python}; export PYTHONUNBUFFERED=1
else
    source benchmarks/device/setup.sh
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
exec > >(tee "$OUT/ac_vs_vae.log") 2>&1
B="--epoch $EPOCHS --lr $LR --ais-size 300 --ais-temperatures 1000
   --ais-leapfrog 5 --ais-chains 8 --ais-adapt --ais-batch-size 300
   --snapshot-every 100epoch --device $DEV ${TEST:-}"
A="--adversary-dim-h 1024 --adversary-layers 3"
echo "== $(date +%T) start:" $B
run() {
    local name=$1; shift
    timeout "$DEADLINE" $PY examples/mnist/train_avb.py "$@" $B \
        --out "$RUNS/$name" > "$RUNS/$name.txt" 2>&1
    echo "$(date +%T) $name exit $?"
}
pids=
for s in $SEEDS; do
    run ac8_s$s --adaptive-contrast --dim-z 8 $A --seed $s & pids+=" $!"
    run vae8_s$s --method vae --dim-z 8 --seed $s & pids+=" $!"
done
run ac32_s0 --adaptive-contrast --dim-z 32 $A --seed 0 & pids+=" $!"
run vae32_s0 --method vae --dim-z 32 --seed 0 & pids+=" $!"
wait $pids  # (a bare wait would wait for the tee above too)
echo "== $(date +%T) runs done"
for s in $SEEDS; do
    $PY examples/mnist/compare_runs.py "$RUNS/vae8_s$s" "$RUNS/ac8_s$s"
done
$PY examples/mnist/compare_runs.py "$RUNS/vae32_s0" "$RUNS/ac32_s0"
OUT=$(cd "$OUT" && pwd); (cd "$RUNS" && tar czf "$OUT/ac_vs_vae.tar.gz" */metrics.json \
    */log */args.json */ais_log_px.npy *.txt)
