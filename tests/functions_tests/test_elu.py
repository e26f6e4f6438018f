"""vae_avb.functions.elu: Chainer's ELU node with whole-array CPU passes
gives Chainer's bits (a zero's sign aside), gradients and second
derivatives."""
import numpy
import pytest

import chainer
import chainer.functions as F
from chainer import gradient_check

from vae_avb.functions import elu
from vae_avb.functions import get_activation
from vae_avb.functions import reference_path
from vae_avb.functions.elu import ELU


def hostile(dtype, shape=(7, 5)):
    """Normal values, with signed zeros, NaNs of both signs, infinities,
    the tiniest and largest values first when there is room."""
    size = int(numpy.prod(shape))
    flat = (numpy.random.RandomState(0).randn(max(size, 1)) * 3).astype(
        dtype)
    special = [0., -0., numpy.nan, -numpy.nan, numpy.inf, -numpy.inf,
               1e4, -1e4, numpy.finfo(dtype).tiny, -numpy.finfo(dtype).tiny,
               numpy.finfo(dtype).max, -numpy.finfo(dtype).max]
    if size >= len(special):
        flat[:len(special)] = numpy.array(special, dtype)
    return flat[:size].reshape(shape)


def bits(a):
    a = numpy.ascontiguousarray(a)
    return a.view('u{}'.format(a.dtype.itemsize))


def assert_same(ours, theirs):
    """The same bits, NaN payloads and signs included, but for the sign
    of a zero (NumPy's maximum may return either of two equal zeros)."""
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    numpy.testing.assert_array_equal(ours, theirs)  # zeros equal
    nonzero = theirs != 0
    numpy.testing.assert_array_equal(bits(ours)[nonzero],
                                     bits(theirs)[nonzero])


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32,
                                   numpy.float64])
@pytest.mark.parametrize('alpha', [1.0, 0.5, 2.0, 0.0, -0.7])
@pytest.mark.parametrize('shape', [(7, 5), (3, 2, 4, 4), (), (0, 3)])
def test_forward_and_backward_give_chainers_bits(dtype, alpha, shape):
    x = hostile(dtype, shape)
    gy = numpy.asarray(numpy.random.RandomState(1).randn(*shape)).astype(
        dtype)
    with numpy.errstate(all='ignore'):
        ours_x = chainer.Variable(x.copy())
        ours = elu(ours_x, alpha)
        theirs_x = chainer.Variable(x.copy())
        theirs = F.elu(theirs_x, alpha)
        assert_same(ours.array, theirs.array)
        ours.grad = gy.copy()
        theirs.grad = gy.copy()
        ours.backward()
        theirs.backward()
    assert_same(ours_x.grad, theirs_x.grad)
    # The input is not written to.
    numpy.testing.assert_array_equal(bits(ours_x.array), bits(x))


def test_it_is_the_fast_node_unless_the_reference_path_is_asked():
    x = chainer.Variable(numpy.ones((2, 3), numpy.float32))
    assert isinstance(elu(x).creator, ELU)
    with reference_path():
        assert type(elu(x).creator) is F.activation.elu.ELU
    assert get_activation('elu') is elu


def check_gradients(f, x):
    """Chainer's numerical checks of ``f``'s first and second derivatives
    at ``x`` (float64)."""
    rng = numpy.random.RandomState(2)
    gy, ggx = rng.randn(*x.shape), rng.randn(*x.shape)
    gradient_check.check_backward(f, x, gy, dtype=numpy.float64, atol=1e-6,
                                  rtol=1e-6)
    gradient_check.check_double_backward(f, x, gy, ggx, dtype=numpy.float64,
                                         atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize('alpha', [1.0, 0.3, -0.5])
def test_gradient_and_double_gradient(alpha):
    x = numpy.random.RandomState(2).uniform(-2, 2, (4, 6))
    x[numpy.abs(x) < 0.05] = 0.5  # away from the kink
    check_gradients(lambda v: elu(v, alpha), x)


def test_second_derivative_equals_chainers():
    x0 = hostile(numpy.float64)
    x0 = numpy.where(numpy.isfinite(x0), x0, 0.25)
    results = []
    for f in (elu, F.elu):
        x = chainer.Variable(x0.copy())
        with numpy.errstate(all='ignore'):  # the largest values overflow
            y = f(x, 0.8)
            gx, = chainer.grad([F.sum(y * y)], [x],
                               enable_double_backprop=True)
            ggx, = chainer.grad([F.sum(gx * gx)], [x])
        results.append((gx.array, ggx.array))
    for ours, theirs in zip(*results):
        assert_same(ours, theirs)


def test_integers_are_refused_as_chainer_refuses_them():
    with pytest.raises(chainer.utils.type_check.InvalidType):
        elu(numpy.arange(3))
