"""vae_avb's CPU convolutions against Chainer's functions: values, first
and second derivatives, numeric gradients, bad input."""
import numpy
import pytest

import chainer
import chainer.functions as F
from chainer import gradient_check
from chainer.utils import conv as conv_utils
from chainer.utils import type_check

from vae_avb.functions import reference_path
from vae_avb.functions.convolution import Convolution2D
from vae_avb.functions.convolution import convolution_2d
from vae_avb.functions.convolution import Deconvolution2D
from vae_avb.functions.convolution import deconvolution_2d
from vae_avb.functions.convolution import _patches

# (batch, in channels, height, width, out channels, kernel, stride, pad):
# the seeds' and the authors' MNIST layers, and odd corners (stride above
# the kernel, non-square maps, kernel 1, even kernels, one output pixel).
SHAPES = [
    (3, 1, 28, 28, 4, 3, 2, 0),
    (2, 3, 13, 13, 5, 3, 2, 0),
    (2, 2, 14, 14, 3, 5, 2, 2),
    (2, 3, 7, 7, 2, 5, 2, 2),
    (2, 3, 9, 8, 2, 3, 1, 1),
    (1, 2, 4, 4, 3, 1, 3, 0),
    (2, 2, 6, 7, 3, 2, 3, 1),
    (2, 2, 5, 5, 2, 4, 2, 1),
    (2, 2, 3, 3, 2, 3, 1, 0),
    (2, 8, 5, 6, 1, 3, 2, 1),
]


def _close(actual, expected, tol):
    actual = getattr(actual, 'array', actual)
    expected = getattr(expected, 'array', expected)
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype
    if not expected.size:
        return
    scale = max(1.0, float(numpy.abs(expected).max()))
    assert float(numpy.abs(actual - expected).max()) <= tol * scale


def _tol(dtype):
    return {numpy.float16: 5e-3, numpy.float32: 1e-5,
            numpy.float64: 1e-12}[dtype]


def _variables(dtype, *arrays):
    return [chainer.Variable(numpy.asarray(a, dtype)) for a in arrays]


@pytest.mark.parametrize('shape', SHAPES)
def test_patches_equal_chainers_im2col(shape):
    batch, channels, height, width, _, k, s, p = shape
    x = numpy.random.normal(size=(batch, channels, height, width))
    out_h = conv_utils.get_conv_outsize(height, k, s, p)
    out_w = conv_utils.get_conv_outsize(width, k, s, p)
    # Chainer's (B, C, kh, kw, out_h, out_w) as rows of output pixels
    # and columns of (kh, kw, C) taps: the channels-last layout.
    expected = conv_utils.im2col_cpu(x, k, k, s, s, p, p).transpose(
        0, 4, 5, 2, 3, 1).reshape(batch * out_h * out_w, k * k * channels)
    col, size = _patches(x, k, k, s, s, p, p, out_h, out_w)
    assert size == (out_h, out_w)
    numpy.testing.assert_array_equal(col, expected)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32,
                                   numpy.float64])
@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('bias', [True, False])
def test_convolution_equals_chainers(shape, dtype, bias):
    batch, c_in, height, width, c_out, k, s, p = shape
    x, W, b = _variables(dtype, numpy.random.normal(
        size=(batch, c_in, height, width)), numpy.random.normal(
        size=(c_out, c_in, k, k)), numpy.random.normal(size=c_out))
    b = b if bias else None
    y = convolution_2d(x, W, b, s, p)
    assert isinstance(y.creator, Convolution2D)
    expected = F.convolution_2d(x, W, b, s, p)
    _close(y, expected, _tol(dtype))
    gy = chainer.Variable(numpy.random.normal(size=y.shape).astype(dtype))
    inputs = [x, W] + ([b] if bias else [])
    for got, want in zip(chainer.grad([y], inputs, [gy]),
                         chainer.grad([expected], inputs, [gy])):
        _close(got, want, 10 * _tol(dtype))


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32,
                                   numpy.float64])
@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('bias', [True, False])
def test_deconvolution_equals_chainers(shape, dtype, bias):
    # The transposed convolution from each shape's output back to its
    # input, at every output size Chainer accepts.
    batch, c_out, height, width, c_in, k, s, p = shape
    h = conv_utils.get_conv_outsize(height, k, s, p)
    w = conv_utils.get_conv_outsize(width, k, s, p)
    x, W, b = _variables(dtype, numpy.random.normal(
        size=(batch, c_in, h, w)), numpy.random.normal(
        size=(c_in, c_out, k, k)), numpy.random.normal(size=c_out))
    b = b if bias else None
    inputs = [x, W] + ([b] if bias else [])
    natural = (conv_utils.get_deconv_outsize(h, k, s, p),
               conv_utils.get_deconv_outsize(w, k, s, p))
    # Chainer's whole range: below the natural size the convolution that
    # maps back covers the last rows only with cover_all.
    for extra in range(1 - s, s):
        outsize = (natural[0] + extra, natural[1] + extra)
        if min(outsize) < 1:
            continue
        y = deconvolution_2d(x, W, b, s, p, outsize=outsize)
        assert isinstance(y.creator, Deconvolution2D)
        expected = F.deconvolution_2d(x, W, b, s, p, outsize=outsize)
        _close(y, expected, _tol(dtype))
        gy = chainer.Variable(numpy.random.normal(size=y.shape).astype(dtype))
        for got, want in zip(chainer.grad([y], inputs, [gy]),
                             chainer.grad([expected], inputs, [gy])):
            _close(got, want, 10 * _tol(dtype))
    # outsize=None is Chainer's default size.
    _close(deconvolution_2d(x, W, b, s, p),
           F.deconvolution_2d(x, W, b, s, p), _tol(dtype))


@pytest.mark.parametrize('shape', SHAPES[:4] + SHAPES[-1:])
def test_second_derivatives_equal_chainers(shape):
    # The gradients are built of the same nodes, so they differentiate
    # again; Chainer's double backpropagation is the reference.
    batch, c_in, height, width, c_out, k, s, p = shape
    x, W, b = _variables(numpy.float64, numpy.random.normal(
        size=(batch, c_in, height, width)), numpy.random.normal(
        size=(c_out, c_in, k, k)), numpy.random.normal(size=c_out))
    gy = chainer.Variable(numpy.random.normal(size=F.convolution_2d(
        x, W, b, s, p).shape))

    def second(conv, deconv):
        y = conv(x, W, b, s, p)
        gx, gW = chainer.grad([y], [x, W], [gy], enable_double_backprop=True)
        z = deconv(y, W, None, s, p, outsize=(height, width))
        gz, = chainer.grad([z], [W], [x], enable_double_backprop=True)
        total = F.sum(gx ** 2) + F.sum(gW ** 2) + F.sum(gz * gz)
        return chainer.grad([total], [x, W, b, gy])

    for got, want in zip(second(convolution_2d, deconvolution_2d),
                         second(F.convolution_2d, F.deconvolution_2d)):
        _close(got, want, 1e-10)


@pytest.mark.parametrize('shape', [SHAPES[1], SHAPES[6], SHAPES[-1]])
def test_numeric_gradients(shape):
    batch, c_in, height, width, c_out, k, s, p = shape
    x = numpy.random.normal(size=(batch, c_in, height, width))
    W = numpy.random.normal(size=(c_out, c_in, k, k))
    b = numpy.random.normal(size=c_out)
    y_shape = F.convolution_2d(x, W, b, s, p).shape
    check = dict(dtype=numpy.float64, eps=1e-6, atol=1e-6, rtol=1e-5)
    gradient_check.check_backward(
        lambda x, W, b: convolution_2d(x, W, b, s, p), (x, W, b),
        numpy.random.normal(size=y_shape), **check)
    z = numpy.random.normal(size=y_shape[:1] + (c_in,) + y_shape[2:])
    Wd = numpy.random.normal(size=(c_in, c_out, k, k))
    out = F.deconvolution_2d(z, Wd, b, s, p).shape
    gradient_check.check_backward(
        lambda z, Wd, b: deconvolution_2d(z, Wd, b, s, p), (z, Wd, b),
        numpy.random.normal(size=out), **check)


@pytest.mark.parametrize('shape', [SHAPES[0], SHAPES[2], SHAPES[6]])
def test_cover_all_equals_chainers(shape):
    batch, c_in, height, width, c_out, k, s, p = shape
    x, W, b = _variables(numpy.float64, numpy.random.normal(
        size=(batch, c_in, height, width)), numpy.random.normal(
        size=(c_out, c_in, k, k)), numpy.random.normal(size=c_out))
    y = convolution_2d(x, W, b, s, p, cover_all=True)
    expected = F.convolution_2d(x, W, b, s, p, cover_all=True)
    _close(y, expected, 1e-12)
    gy = chainer.Variable(numpy.random.normal(size=y.shape))
    for got, want in zip(
            chainer.grad([y], [x, W, b], [gy], enable_double_backprop=True),
            chainer.grad([expected], [x, W, b], [gy],
                         enable_double_backprop=True)):
        _close(got, want, 1e-12)


def test_zero_output_channels_and_array_strides():
    x = numpy.random.normal(size=(1, 2, 5, 5)).astype(numpy.float32)
    W = numpy.zeros((0, 2, 3, 3), numpy.float32)
    _close(convolution_2d(x, W), F.convolution_2d(x, W), 0)
    W = numpy.random.normal(size=(3, 2, 3, 3)).astype(numpy.float32)
    for stride in (numpy.array([2, 1]), range(2, 4), numpy.int64(2)):
        _close(convolution_2d(x, W, stride=stride),
               F.convolution_2d(x, W, stride=tuple(numpy.broadcast_to(
                   numpy.asarray(list(stride) if not numpy.isscalar(stride)
                                 else stride), 2))), 1e-5)


@pytest.mark.parametrize('kernel', [(0, 3), (3, 0), (0, 0)])
@pytest.mark.parametrize('stride, pad', [(1, 0), (2, 0), (2, 1)])
def test_empty_kernels_equal_chainers(kernel, stride, pad):
    """A kernel of no rows or columns: the bias alone, as Chainer's;
    the gradients (zeros but the bias's) checked numerically."""
    rng = numpy.random.RandomState(0)
    x = rng.normal(size=(2, 2, 5, 5))
    b = rng.normal(size=3)
    for function, W in ((deconvolution_2d, rng.normal(size=(2, 3) + kernel)),
                        (convolution_2d, rng.normal(size=(3, 2) + kernel))):
        chainers = getattr(F, function.__name__)
        want = chainers(x, W, b, stride=stride, pad=pad).array
        got = function(x, W, b, stride=stride, pad=pad).array
        assert got.shape == want.shape
        numpy.testing.assert_array_equal(got, want)
        gradient_check.check_backward(
            lambda x, W, b: function(x, W, b, stride=stride, pad=pad),
            (x, W, b), rng.normal(size=want.shape), dtype=numpy.float64)


def test_patches_never_share_memory_with_the_image():
    # A 1 x 1 kernel and a kernel as large as the image give views that
    # could be reshaped without a copy: still never a window on x.
    x = numpy.arange(9.).reshape(1, 1, 3, 3)
    for k, out in ((1, 3), (3, 1)):
        col, _ = _patches(x, k, k, 1, 1, 0, 0, out, out)
        assert not numpy.shares_memory(col, x)
        numpy.testing.assert_array_equal(
            col, conv_utils.im2col_cpu(x, k, k, 1, 1, 0, 0).transpose(
                0, 4, 5, 2, 3, 1).reshape(out * out, k * k))


def test_reference_path_is_chainers():
    x = numpy.random.normal(size=(2, 1, 8, 8)).astype(numpy.float32)
    W = numpy.random.normal(size=(3, 1, 3, 3)).astype(numpy.float32)
    with reference_path():
        y = convolution_2d(x, W, None, 2, 1)
        z = deconvolution_2d(y, W, None, 2, 1, outsize=(8, 8))
    assert not isinstance(y.creator, Convolution2D)
    assert not isinstance(z.creator, Deconvolution2D)
    _close(z, F.deconvolution_2d(F.convolution_2d(x, W, None, 2, 1), W,
                                 None, 2, 1, outsize=(8, 8)), 0)


def test_empty_batch_and_nan_propagate_like_chainers():
    W = numpy.random.normal(size=(3, 2, 3, 3)).astype(numpy.float32)
    empty = numpy.zeros((0, 2, 7, 7), numpy.float32)
    _close(convolution_2d(empty, W, None, 2, 1),
           F.convolution_2d(empty, W, None, 2, 1), 0)
    Wv = chainer.Variable(W)
    y = convolution_2d(empty, Wv, None, 2, 1)
    y.grad = numpy.zeros_like(y.array)
    y.backward()
    numpy.testing.assert_array_equal(Wv.grad, numpy.zeros_like(W))
    x = numpy.random.normal(size=(2, 2, 7, 7)).astype(numpy.float32)
    x[1, 0, 3, 3] = numpy.nan
    y = convolution_2d(x, W, None, 2, 1).array
    # The NaN reaches the outputs whose window covers it, and no others.
    numpy.testing.assert_array_equal(
        numpy.isnan(y), numpy.isnan(F.convolution_2d(x, W, None, 2, 1).array))
    assert numpy.isnan(y[1]).any() and not numpy.isnan(y[0]).any()


def test_bad_input_is_refused_with_a_message():
    x = numpy.zeros((2, 2, 7, 7), numpy.float32)
    W = numpy.zeros((3, 2, 3, 3), numpy.float32)
    with pytest.raises(type_check.InvalidType):
        convolution_2d(x, numpy.zeros((3, 4, 3, 3), numpy.float32))
    with pytest.raises(type_check.InvalidType):
        convolution_2d(x, W.astype(numpy.float64))
    with pytest.raises(type_check.InvalidType):
        convolution_2d(x, W, numpy.zeros(4, numpy.float32))
    with pytest.raises(type_check.InvalidType):
        convolution_2d(x.astype(numpy.int32), W.astype(numpy.int32))
    with pytest.raises(ValueError, match='leaves no output pixel'):
        convolution_2d(x, numpy.zeros((3, 2, 9, 9), numpy.float32))
    with pytest.raises(ValueError, match='give an outsize from 12 to 14'):
        deconvolution_2d(x, numpy.zeros((2, 3, 3, 3), numpy.float32),
                         stride=2, pad=1, outsize=(15, 15))
    with pytest.raises(type_check.InvalidType):
        deconvolution_2d(x, numpy.zeros((3, 3, 3, 3), numpy.float32))
    with pytest.raises(type_check.InvalidType):
        deconvolution_2d(x[0], W.transpose(1, 0, 2, 3))
    with pytest.raises(ValueError, match='leaves no output pixel'):
        deconvolution_2d(x[:, :, :2, :2], numpy.zeros((2, 3, 3, 3),
                                                      numpy.float32), pad=5)


@pytest.mark.parametrize('function, name, value', [
    (convolution_2d, 'stride', 0), (convolution_2d, 'stride', -1),
    (convolution_2d, 'stride', 1.5), (convolution_2d, 'stride', (1, 2, 3)),
    (convolution_2d, 'stride', float('nan')), (convolution_2d, 'pad', -1),
    (convolution_2d, 'pad', '1'), (convolution_2d, 'pad', True),
    (deconvolution_2d, 'stride', 0), (deconvolution_2d, 'pad', -2),
    (deconvolution_2d, 'outsize', (0, 7)),
    (deconvolution_2d, 'outsize', (7, 7, 7)),
    (deconvolution_2d, 'outsize', float('inf'))])
def test_bad_stride_pad_or_outsize_is_named(function, name, value):
    x = numpy.zeros((2, 2, 7, 7), numpy.float32)
    W = numpy.zeros((2, 2, 3, 3), numpy.float32)
    with pytest.raises(ValueError, match='{}: {} must be'.format(
            function.__name__, name)):
        function(x, W, **{name: value})


def test_deconvolution_of_an_empty_batch():
    W = chainer.Variable(numpy.random.normal(size=(2, 3, 3, 3)).astype(
        numpy.float32))
    x = chainer.Variable(numpy.zeros((0, 2, 4, 4), numpy.float32))
    y = deconvolution_2d(x, W, None, 2, 1, outsize=(8, 8))
    assert y.shape == (0, 3, 8, 8)
    y.grad = numpy.zeros_like(y.array)
    y.backward()
    assert x.grad.shape == x.shape
    numpy.testing.assert_array_equal(W.grad, numpy.zeros_like(W.array))


def test_second_derivative_with_cover_all_along_one_axis_only():
    """An outsize that only cover_all gives along the rows, not along the
    columns: the weight gradient's own gradient in x has x's shape
    (found by the hostile review of 2026-12-06: one flag for both axes
    gave an (8, 7) gradient of a 7 x 7 input)."""
    rng = numpy.random.RandomState(4)
    x = rng.randn(1, 1, 7, 7)
    W = rng.randn(1, 1, 4, 1)

    def f(x, W):
        return deconvolution_2d(x, W, stride=(3, 5), pad=(3, 1),
                                outsize=(17, 26))

    xv, Wv = chainer.Variable(x), chainer.Variable(W)
    y = f(xv, Wv)
    assert y.shape == (1, 1, 17, 26)
    _, gW = chainer.grad([F.sum(y * y)], [xv, Wv],
                         enable_double_backprop=True)
    g, = chainer.grad([F.sum(gW * gW)], [xv])
    assert g.shape == x.shape
    gradient_check.check_double_backward(
        f, (x, W), rng.randn(*y.shape), (rng.randn(*x.shape),
                                         rng.randn(*W.shape)),
        atol=1e-4, rtol=1e-3)
