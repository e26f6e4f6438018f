import numpy
import pytest

import chainer

from vae_avb.links import Prior


@pytest.mark.parametrize('dtype', [
    'int32', numpy.complex64, 'foo', bool, object, numpy.longdouble])
def test_dtype_must_be_a_float_type(dtype):
    """Defect 07: int32 and complex64 built a Prior whose log_prob failed
    with Chainer's multi-line InvalidType; 'foo' was NumPy's TypeError."""
    if numpy.dtype(numpy.longdouble) == numpy.float64 and \
            dtype is numpy.longdouble:
        pytest.skip('longdouble is float64 here')
    with pytest.raises(TypeError, match=r'Prior: dtype must be a float type '
                       r'\(numpy.float16, float32 or float64\) or None for '
                       r'chainer.get_dtype\(\), got ') as info:
        Prior(2, dtype=dtype)
    assert '\n' not in str(info.value)


@pytest.mark.parametrize('dtype', [None, numpy.float16, 'float32',
                                   numpy.float64])
def test_float_dtypes(dtype):
    prior = Prior(2, dtype=dtype)
    expected = numpy.float32 if dtype is None else numpy.dtype(dtype)
    assert prior.loc.dtype == prior.scale.dtype == expected
    z = numpy.zeros((1, 2), expected)
    assert prior().log_prob(z).shape == (1,)


def test_none_is_chainers_dtype():
    with chainer.using_config('dtype', numpy.float64):
        assert Prior(2).loc.dtype == numpy.float64
