import numpy
import pytest

import chainer


def _gpu_available():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    if _gpu_available():
        return
    skip = pytest.mark.skip(reason='needs CuPy and a CUDA device')
    for item in items:
        if 'gpu' in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same global random state."""
    numpy.random.seed(0)
    with chainer.using_config('dtype', numpy.float32):
        yield


@pytest.fixture(params=['fused', 'reference'])
def path(request):
    """Runs a test on the fused path and on the reference path (Chainer's
    own composition, :func:`vae_avb.functions.reference_path`)."""
    from vae_avb.functions import reference_path
    with reference_path(request.param == 'reference'):
        yield request.param
