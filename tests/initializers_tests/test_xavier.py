import numpy
import pytest

import chainer

from vae_avb.initializers import Xavier


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32,
                                   numpy.float64])
@pytest.mark.parametrize('shape', [(300, 500), (20, 784), (7, 3)])
def test_values_within_seed_bound(dtype, shape):
    array = numpy.empty(shape, dtype=dtype)
    Xavier()(array)
    fan_out, fan_in = shape
    bound = numpy.sqrt(6. / (fan_in + fan_out))
    assert array.dtype == dtype
    assert numpy.all(numpy.abs(array.astype(numpy.float64))
                     <= bound * (1 + 1e-3))
    # The draw uses the whole interval, not a narrower one.
    assert numpy.abs(array).max() > 0.9 * bound


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_moments_of_uniform_law(dtype):
    array = numpy.empty((1000, 1000), dtype=dtype)
    Xavier(constant=2.0)(array)
    bound = 2.0 * numpy.sqrt(6. / 2000)
    # U(-s, s) has mean 0 and variance s^2 / 3.
    assert abs(array.mean()) < 0.01 * bound
    numpy.testing.assert_allclose(array.var(), bound ** 2 / 3, rtol=0.01)


def test_explicit_fans_override_shape():
    # A fused (2 * 20, 500) head initialised like two (20, 500) heads.
    init = Xavier(500, 20)
    assert init.bound((40, 500)) == pytest.approx(numpy.sqrt(6. / 520))
    array = numpy.empty((40, 500), dtype=numpy.float32)
    init(array)
    numpy.testing.assert_allclose(array.var(), 6. / 520 / 3, rtol=0.05)


def test_seed_positional_signature():
    init = Xavier(784, 500, 1)
    assert (init.fan_in, init.fan_out, init.constant) == (784, 500, 1)


def test_rng_makes_draw_reproducible():
    a = numpy.empty((5, 5), numpy.float32)
    b = numpy.empty((5, 5), numpy.float32)
    Xavier(rng=numpy.random.RandomState(3))(a)
    Xavier(rng=numpy.random.RandomState(3))(b)
    numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize('kwargs, message', [
    ({'fan_in': 0}, 'fan_in'),
    ({'fan_out': -3}, 'fan_out'),
    ({'constant': 0}, 'constant'),
    ({'constant': float('nan')}, 'constant must be a finite number above 0'),
    ({'constant': float('inf')}, 'constant must be a finite number above 0'),
    ({'constant': '1'}, 'constant must be a finite number above 0'),
    ({'fan_in': 2.5}, 'fan_in must be an integer'),
    ({'fan_out': 'ten'}, 'fan_out must be an integer'),
    ({'fan_in': float('nan')}, 'fan_in must be an integer'),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Xavier(**kwargs)


def test_dtype_mismatch():
    with pytest.raises(TypeError, match='dtype'):
        Xavier(dtype=numpy.float64)(numpy.empty((2, 2), numpy.float32))


@pytest.mark.parametrize('dtype', [numpy.int32, numpy.bool_, numpy.uint8])
def test_non_float_arrays_refused_not_filled_with_zeros(dtype):
    with pytest.raises(TypeError, match='Xavier: draws floats, the array has '
                       'dtype'):
        Xavier()(numpy.zeros((3, 4), dtype))


@pytest.mark.parametrize('dtype, constant', [
    (numpy.float32, 1e39), (numpy.float16, 1e10), (numpy.float64, 1e308)])
def test_a_bound_that_overflows_is_refused(dtype, constant):
    array = numpy.zeros((2, 2), dtype)
    with pytest.raises(ValueError, match='overflows {}; use a smaller '
                       'constant'.format(numpy.dtype(dtype).name)):
        Xavier(constant=constant)(array)
    assert (array == 0).all()


@pytest.mark.parametrize('shape', [(0, 0), (0, 5), (0, 0, 3, 3)])
def test_empty_arrays_need_no_draw(shape):
    array = numpy.zeros(shape, numpy.float32)
    Xavier()(array)
    Xavier(3, 4)(array)
    assert chainer.Parameter(Xavier(), shape).shape == shape


@pytest.mark.parametrize('kwargs, message', [
    ({'rng': 'x'}, 'rng must be a numpy.random.RandomState'),
    ({'dtype': 'bogus'}, "dtype 'bogus' is not a NumPy dtype"),
    ({'dtype': numpy.int32}, 'dtype must be a float type'),
])
def test_bad_rng_and_dtype_refused_when_built(kwargs, message):
    with pytest.raises(TypeError, match=message):
        Xavier(**kwargs)
