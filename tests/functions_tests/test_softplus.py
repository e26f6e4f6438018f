"""vae_avb.functions.softplus: Chainer's softplus node with in-place CPU
passes gives Chainer's bits, gradients and second derivatives."""
import numpy
import pytest

import chainer
import chainer.functions as F

from vae_avb.functions import get_activation
from vae_avb.functions import reference_path
from vae_avb.functions import softplus
from vae_avb.functions.softplus import Softplus

from tests.functions_tests.test_elu import bits
from tests.functions_tests.test_elu import check_gradients
from tests.functions_tests.test_elu import hostile


def assert_same(ours, theirs):
    """The same bits where Chainer's value is a number; NaN where it is
    NaN (its sign and payload may differ)."""
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    nan = numpy.isnan(theirs)
    numpy.testing.assert_array_equal(numpy.isnan(ours), nan)
    numpy.testing.assert_array_equal(bits(ours)[~nan], bits(theirs)[~nan])


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32,
                                   numpy.float64])
@pytest.mark.parametrize('beta', [1.0, 0.5, 3.0])
@pytest.mark.parametrize('shape', [(7, 5), (3, 2, 4, 4), (), (0, 3)])
def test_forward_and_backward_give_chainers_bits(dtype, beta, shape):
    x = hostile(dtype, shape)
    gy = numpy.asarray(numpy.random.RandomState(1).randn(*shape)).astype(
        dtype)
    results = []
    for f in (softplus, F.softplus):
        v = chainer.Variable(x.copy())
        with numpy.errstate(all='ignore'):
            y = f(v, beta)
            y.grad = gy.copy()
            y.backward()
        results.append((y.array, v.grad, v.array))
    (y, gx, after), (y_ref, gx_ref, _) = results
    assert_same(y, y_ref)
    assert_same(gx, gx_ref)
    numpy.testing.assert_array_equal(bits(after), bits(x))


def test_it_is_the_fast_node_unless_the_reference_path_is_asked():
    x = chainer.Variable(numpy.ones((2, 3), numpy.float32))
    assert isinstance(softplus(x).creator, Softplus)
    with reference_path():
        assert type(softplus(x).creator) is \
            F.activation.softplus.Softplus
    assert get_activation('softplus') is softplus


@pytest.mark.parametrize('beta', [1.0, 2.0])
def test_gradient_and_double_gradient(beta):
    x = numpy.random.RandomState(2).uniform(-4, 4, (4, 6))
    check_gradients(lambda v: softplus(v, beta), x)


def test_second_and_third_derivatives_equal_chainers():
    x0 = numpy.random.RandomState(3).uniform(-30, 30, (5, 4))
    results = []
    for f in (softplus, F.softplus):
        x = chainer.Variable(x0.copy())
        y = f(x)
        gx, = chainer.grad([F.sum(y * y)], [x], enable_double_backprop=True)
        ggx, = chainer.grad([F.sum(gx * gx)], [x],
                            enable_double_backprop=True)
        gggx, = chainer.grad([F.sum(ggx)], [x])
        results.append((gx.array, ggx.array, gggx.array))
    for ours, theirs in zip(*results):
        assert_same(ours, theirs)


def test_a_gradient_of_another_dtype_is_cast_as_chainer_casts_it():
    x = numpy.linspace(-3, 3, 12, dtype=numpy.float32)
    gy = numpy.linspace(1, 2, 12)  # float64
    from vae_avb.functions.softplus import SoftplusGrad
    gx, = SoftplusGrad((1.0,)).forward_cpu((x, gy))
    ref, = F.activation.softplus.SoftplusGrad((1.0,)).forward_cpu((x, gy))
    assert gx.dtype == ref.dtype == numpy.float32
    assert_same(gx, ref)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_zero_dimensional_arrays_give_chainers_bits(dtype):
    # NumPy 1 computes Chainer's beta * x of a 0-d array in float64: the
    # in-place float32 passes rounded -4.597306 otherwise (found on 1.26).
    for value in numpy.linspace(-9, 9, 301):
        x = numpy.asarray(value, dtype)
        gy = numpy.asarray(0.7, dtype)
        ours = Softplus().forward_cpu((x,))[0]
        theirs = F.activation.softplus.Softplus().forward_cpu((x,))[0]
        assert_same(numpy.asarray(ours), numpy.asarray(theirs))
        from vae_avb.functions.softplus import SoftplusGrad
        ours = SoftplusGrad((1.0,)).forward_cpu((x, gy))[0]
        theirs = F.activation.softplus.SoftplusGrad((1.0,)).forward_cpu(
            (x, gy))[0]
        assert_same(numpy.asarray(ours), numpy.asarray(theirs))
    assert_same(numpy.asarray(softplus(numpy.asarray(-4.597306, numpy.float32))
                              .array),
                numpy.asarray(F.softplus(numpy.asarray(
                    -4.597306, numpy.float32)).array))


def test_integers_are_refused_as_chainer_refuses_them():
    with pytest.raises(chainer.utils.type_check.InvalidType):
        softplus(numpy.arange(3))


def test_a_large_input_gives_gradient_one_without_an_overflow_warning():
    # exp(100) overflows float32: the gradient is exactly 1, and the CPU
    # pass warned "overflow encountered in exp" into every AIS log.
    x = chainer.Variable(numpy.array([[100., 1e4, -100.]], numpy.float32))
    y = softplus(x)
    y.grad = numpy.ones_like(y.array)
    with numpy.errstate(over='raise'):
        y.backward()
    numpy.testing.assert_array_equal(
        x.grad, numpy.array([[1., 1., 1 - 1 / (1 + numpy.exp(
            numpy.float32(-100.)))]], numpy.float32))
