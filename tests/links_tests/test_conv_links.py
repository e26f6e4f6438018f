"""The convolutional Links against naive NumPy references, their
gradients, input checks and a short training."""
import numpy
import pytest

import chainer
from chainer import gradient_check
from chainer import initializers

from vae_avb.links import ConvAdaptiveContrastEncoder
from vae_avb.links import ConvBernoulliDecoder
from vae_avb.links import ConvGaussianEncoder
from vae_avb.links import ConvNoiseEncoder
from vae_avb.links import ConvStack
from vae_avb.links import DeconvStack
from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss


def naive_conv(x, W, b, stride, pad):
    """Cross-correlation as Chainer computes it, by loops: ``x`` (B, C, H,
    W), ``W`` (out, C, k, k)."""
    x = numpy.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    batch, _, height, width = x.shape
    out, _, k, _ = W.shape
    oh, ow = (height - k) // stride + 1, (width - k) // stride + 1
    y = numpy.zeros((batch, out, oh, ow))
    for i in range(oh):
        for j in range(ow):
            top, left = i * stride, j * stride
            patch = x[:, :, top:top + k, left:left + k]
            y[:, :, i, j] = numpy.tensordot(patch, W, ((1, 2, 3), (1, 2, 3)))
    return y + b[None, :, None, None]


def naive_deconv(x, W, b, stride, pad, outsize):
    """Transposed convolution by scattering: ``W`` (C, out, k, k); each
    input pixel adds its kernel at ``stride * i - pad``."""
    batch, _, height, width = x.shape
    _, out, k, _ = W.shape
    full = numpy.zeros((batch, out, stride * (height - 1) + k + stride,
                        stride * (width - 1) + k + stride))
    for i in range(height):
        for j in range(width):
            full[:, :, i * stride:i * stride + k, j * stride:j * stride + k] \
                += numpy.tensordot(x[:, :, i, j], W, (1, 0))
    return full[:, :, pad:pad + outsize[0], pad:pad + outsize[1]] + \
        b[None, :, None, None]


def arrays(link):
    return {name: p.array.astype(numpy.float64)
            for name, p in link.namedparams()}


def random_biases(link, rng):
    for name, param in link.namedparams():
        if name.endswith('/b'):
            param.array[...] = rng.normal(0, 0.3, param.shape)


@pytest.mark.parametrize('padding, stride', [('same', 2), ('valid', 2),
                                             ('same', 1)])
@pytest.mark.parametrize('noise', [0, 3])
def test_conv_stack_equals_naive(padding, stride, noise):
    rng = numpy.random.RandomState(0)
    stack = ConvStack((9, 8), (2, 3), 3, stride, padding, (5,), 4, 'tanh',
                      noise)
    random_biases(stack, rng)
    x = rng.uniform(size=(2, 72)).astype(numpy.float32)
    eps = rng.normal(size=(2, noise)).astype(numpy.float32) if noise \
        else None
    p = arrays(stack)
    pad = 1 if padding == 'same' else 0
    h = x.reshape(2, 1, 9, 8).astype(numpy.float64)
    for i in range(2):
        h = numpy.tanh(naive_conv(h, p['/convs/{}/W'.format(i)],
                                  p['/convs/{}/b'.format(i)], stride, pad))
        if noise:
            h = h + (eps @ p['/noise/{}/W'.format(i)].T +
                     p['/noise/{}/b'.format(i)]).reshape(h.shape)
    h = h.reshape(2, -1)
    h = numpy.tanh(h @ p['/dense/0/W'].T + p['/dense/0/b'])
    expected = h @ p['/output/W'].T + p['/output/b']
    numpy.testing.assert_allclose(stack(x, eps).array, expected, rtol=1e-4,
                                  atol=1e-5)
    assert stack.n_features == 4


@pytest.mark.parametrize('strides, image', [((2, 2), (8, 8)),
                                            ((2, 1), (7, 6)),
                                            ((2, 2, 2), (28, 28))])
def test_deconv_stack_equals_naive(strides, image):
    rng = numpy.random.RandomState(1)
    channels = (3,) * (len(strides) - 1) + (1,)
    stack = DeconvStack(2, image, (5,), 2, channels, strides, 3, 'tanh')
    random_biases(stack, rng)
    z = rng.normal(size=(3, 2)).astype(numpy.float32)
    assert_deconv_stack_is(
        stack, z, image,
        lambda h, W, b, stride, size: naive_deconv(h, W, b, stride, 1, size))


def assert_deconv_stack_is(stack, z, image, deconv):
    """``stack(z)`` against its dense layers (tanh) and ``deconv(h, W, b,
    stride, outsize)`` for each transposed convolution, tanh between."""
    p = arrays(stack)
    h = z.astype(numpy.float64)
    for i in range(len(stack.dense)):
        h = numpy.tanh(h @ p['/dense/{}/W'.format(i)].T +
                       p['/dense/{}/b'.format(i)])
    h = h.reshape((len(z),) + stack.start_shape)
    last = len(stack.strides) - 1
    for i, (stride, size) in enumerate(zip(stack.strides, stack.out_sizes)):
        h = deconv(h, p['/deconvs/{}/W'.format(i)],
                   p['/deconvs/{}/b'.format(i)], stride, size)
        if i < last:
            h = numpy.tanh(h)
    assert h.shape[2:] == image
    numpy.testing.assert_allclose(stack(z).array, h.reshape(len(z), -1),
                                  rtol=1e-4, atol=1e-5)
    # The weights as constants: the same values, gradients in z only.
    numpy.testing.assert_array_equal(stack.constant(z).array,
                                     stack(z).array)


def tf_same_conv(x, W, b, stride):
    """TensorFlow's ``conv2d(..., padding='SAME')`` written out: an output
    of ``ceil(size / stride)``, the padding that needs split with the odd
    pixel after."""
    pads = []
    for size in x.shape[2:]:
        out = -(-size // stride)
        total = max((out - 1) * stride + W.shape[2] - size, 0)
        pads.append((total // 2, total - total // 2))
    x = numpy.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    return naive_conv(x, W, b, stride, 0)


def tf_same_deconv(x, W, b, stride, outsize):
    """TensorFlow's ``conv2d_transpose(..., padding='SAME')`` to
    ``outsize``: the transpose of :func:`tf_same_conv` from ``outsize``,
    so the scattered map is cropped by that convolution's padding
    before."""
    _, _, k, _ = W.shape
    befores = [max((-(-size // stride) - 1) * stride + k - size, 0) // 2
               for size in outsize]
    full = naive_deconv(x, W, numpy.zeros_like(b), stride, 0,
                        (outsize[0] + befores[0], outsize[1] + befores[1]))
    return full[:, :, befores[0]:, befores[1]:] + b[None, :, None, None]


@pytest.mark.parametrize('image, ksize, stride', [
    ((28, 28), 5, 2), ((28, 28), 3, 2), ((9, 8), 3, 2), ((13, 10), 4, 2),
    ((7, 9), 4, 1), ((10, 10), 5, 3)])
def test_tf_same_conv_stack_is_tensorflows_same(image, ksize, stride):
    rng = numpy.random.RandomState(3)
    stack = ConvStack(image, (2, 3), ksize, stride, 'tf_same', (), None,
                      'tanh', 2)
    random_biases(stack, rng)
    n = image[0] * image[1]
    x = rng.uniform(size=(2, n)).astype(numpy.float32)
    eps = rng.normal(size=(2, 2)).astype(numpy.float32)
    p = arrays(stack)
    h = x.reshape((2, 1) + image).astype(numpy.float64)
    for i in range(2):
        h = numpy.tanh(tf_same_conv(h, p['/convs/{}/W'.format(i)],
                                    p['/convs/{}/b'.format(i)], stride))
        assert h.shape[1:] == stack.map_shapes[i]
        h = h + (eps @ p['/noise/{}/W'.format(i)].T +
                 p['/noise/{}/b'.format(i)]).reshape(h.shape)
    numpy.testing.assert_allclose(stack(x, eps).array, h.reshape(2, -1),
                                  rtol=1e-4, atol=1e-5)
    # Where TensorFlow's padding is odd, 'same' (odd kernels only) is
    # another network.
    odd = any((max((-(-n_ // stride) - 1) * stride + ksize - n_, 0)) % 2
              for n_ in image)
    if odd and ksize % 2:
        same = ConvStack(image, (2, 3), ksize, stride, 'same', (), None,
                         'tanh', 2)
        same.copyparams(stack)
        assert same.map_shapes == stack.map_shapes
        assert not numpy.allclose(same(x, eps).array, stack(x, eps).array)


@pytest.mark.parametrize('image, ksize, strides', [
    ((28, 28), 5, (2, 2, 2)), ((28, 28), 3, (2, 2, 1)),
    ((13, 10), 3, (2, 3, 1)), ((9, 9), 5, (3, 1))])
def test_tf_same_deconv_stack_is_tensorflows_same(image, ksize, strides):
    rng = numpy.random.RandomState(4)
    channels = (3,) * (len(strides) - 1) + (1,)
    stack = DeconvStack(2, image, (), 2, channels, strides, ksize, 'tanh',
                        padding='tf_same')
    random_biases(stack, rng)
    z = rng.normal(size=(3, 2)).astype(numpy.float32)
    assert_deconv_stack_is(stack, z, image, tf_same_deconv)
    same = DeconvStack(2, image, (), 2, channels, strides, ksize, 'tanh')
    same.copyparams(stack)
    if image == (28, 28):  # 7 -> 14 and 14 -> 28 crop differently.
        assert not numpy.allclose(same(z).array, stack(z).array)


def test_authors_and_seed_sizes():
    authors = ConvStack()
    assert authors.map_shapes == [(16, 14, 14), (32, 7, 7), (32, 4, 4)]
    seed = ConvStack(channels=(32, 64), ksize=3, padding='valid', dense=())
    assert seed.map_shapes == [(32, 13, 13), (64, 6, 6)]
    assert seed.n_features == 6 * 6 * 64
    decoder = DeconvStack(8)
    assert decoder.start_shape == (32, 4, 4)
    assert decoder.out_sizes == [(7, 7), (14, 14), (28, 28)]
    seed = DeconvStack(50, dense=(), channels=(64, 32, 1),
                       strides=(2, 2, 1), ksize=3, activation='relu')
    assert seed.start_shape == (32, 7, 7)
    assert seed.out_sizes == [(14, 14), (28, 28), (28, 28)]


@pytest.mark.parametrize('padding, image, ksize', [
    ('same', (6, 6), 3), ('tf_same', (6, 7), 4)])
def test_gradients(padding, image, ksize):
    from vae_avb.functions import reference_path
    rng = numpy.random.RandomState(2)
    dtype = numpy.float64
    init = dict(initialW=initializers.Normal(0.5, dtype=dtype),
                initial_bias=initializers.Normal(0.2, dtype=dtype))
    n = image[0] * image[1]
    stack = ConvStack(image, (2,), ksize, 2, padding, (3,), 2, 'tanh', 2,
                      **init)
    x = rng.uniform(size=(2, n))
    eps = rng.normal(size=(2, 2))
    gradient_check.check_backward(
        stack, (x, eps), rng.normal(size=(2, 2)),
        params=tuple(stack.params()), dtype=dtype, atol=1e-4, rtol=1e-3)
    deconv = DeconvStack(2, image, (3,), 2, (2, 1), (2, 1), 3, 'tanh',
                         padding=padding, **init)
    z = rng.normal(size=(2, 2))
    gradient_check.check_backward(
        deconv, z, rng.normal(size=(2, n)), params=tuple(deconv.params()),
        dtype=dtype, atol=1e-4, rtol=1e-3)
    # constant(): the same gradient in z, none in the weights.
    zv = chainer.Variable(z)
    deconv.cleargrads()
    grad, = chainer.grad([chainer.functions.sum(deconv.constant(zv) ** 2)],
                         [zv])
    zv2 = chainer.Variable(z)
    chainer.functions.sum(deconv(zv2) ** 2).backward()
    numpy.testing.assert_allclose(grad.array, zv2.grad, rtol=1e-10)
    # Chainer's own functions give the same values.
    with reference_path():
        reference = stack(x, eps).array, deconv(z).array
    numpy.testing.assert_allclose(stack(x, eps).array, reference[0],
                                  rtol=1e-12)
    numpy.testing.assert_allclose(deconv(z).array, reference[1], rtol=1e-12)


def test_input_checks():
    deconv = DeconvStack(2, (6, 6), (), 2, (1,), (2,), 3)
    for z, error, match in (
            ([[0., 1.]], TypeError, 'z must be an array'),
            (numpy.zeros((2, 3), numpy.float32), ValueError,
             r'z has shape \(2, 3\), expected \(batch, 2\)'),
            (numpy.zeros((2, 2)), TypeError, 'dtype float64'),
            (numpy.zeros(2, numpy.float32), ValueError, 'pass codes')):
        with pytest.raises(error, match=match):
            deconv(z)
    stack = ConvStack((6, 6), (2,), 3, dense=())
    with pytest.raises(ValueError, match=r'x has shape \(2, 784\), expected '
                       r'\(batch, 36\); pass images flattened to 36'):
        stack(numpy.zeros((2, 784), numpy.float32))
    with pytest.raises(TypeError, match='dtype float64'):
        stack(numpy.zeros((2, 36)))
    with pytest.raises(ValueError, match='built without noise'):
        stack(numpy.zeros((2, 36), numpy.float32),
              numpy.zeros((2, 1), numpy.float32))
    noisy = ConvStack((6, 6), (2,), 3, dense=(), n_noise=2)
    with pytest.raises(ValueError, match='takes noise'):
        noisy(numpy.zeros((2, 36), numpy.float32))
    with pytest.raises(ValueError, match='eps has 3 rows but x has 2'):
        noisy(numpy.zeros((2, 36), numpy.float32),
              numpy.zeros((3, 2), numpy.float32))


@pytest.mark.parametrize('kwargs, match', [
    ({'channels': ()}, 'channels must be a non-empty tuple'),
    ({'channels': (0,)}, 'channels must be an integer'),
    ({'ksize': 0}, 'ksize'),
    ({'stride': -1}, 'stride'),
    ({'padding': 'full'}, 'padding must be one of'),
    ({'image_shape': (28,)}, r'image_shape must be \(height, width\)'),
    ({'channels': (4, 4, 4, 4, 4, 4), 'padding': 'valid', 'ksize': 5},
     'leave no pixel'),
    ({'dense': (0,)}, 'dense'),
    ({'n_noise': -1}, 'n_noise'),
    ({'initialW': 'xavier'}, 'initialW'),
])
def test_conv_stack_refuses_bad_sizes(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ConvStack(**kwargs)


@pytest.mark.parametrize('kwargs, match', [
    ({'channels': (16, 2)}, 'end channels with 1'),
    ({'strides': (2, 2)}, 'one stride per entry'),
    ({'start_channels': 0}, 'start_channels'),
    ({'n_latent': 0}, 'n_latent'),
    ({'ksize': 4}, 'ksize must be odd'),
    ({'padding': 'valid'}, 'padding must be one of same, tf_same'),
    ({'padding': None}, 'padding must be one of'),
])
def test_deconv_stack_refuses_bad_sizes(kwargs, match):
    kwargs = dict({'n_latent': 2}, **kwargs)
    with pytest.raises(ValueError, match=match):
        DeconvStack(**kwargs)


def small_images(n, rng):
    """Bars on an 8 x 8 grid: a row or a column lit, a learnable set."""
    images = numpy.zeros((n, 8, 8), numpy.float32)
    for i, k in enumerate(rng.randint(0, 16, size=n)):
        if k < 8:
            images[i, k, :] = 1
        else:
            images[i, :, k - 8] = 1
    return images.reshape(n, 64)


def test_conv_vae_learns():
    """The conv VAE on 8 x 8 bars: the ELBO rises far above the start."""
    rng = numpy.random.RandomState(0)
    numpy.random.seed(0)
    x = small_images(128, rng)
    vae = VAE(ConvGaussianEncoder(2, (8, 8), (8, 16), 3, 2, 'same', (32,),
                                  'relu'),
              ConvBernoulliDecoder(2, (8, 8), (32,), 16, (8, 1), (2, 2), 3,
                                   'relu'))
    loss = ELBOLoss(vae)
    optimizer = chainer.optimizers.Adam(3e-3)
    optimizer.setup(loss)
    first = float(loss(x).array)
    for step in range(900):
        optimizer.update(loss, x[rng.choice(128, 32)])
    with chainer.using_config('train', False):
        last = numpy.mean([float(loss(x).array) for _ in range(5)])
    # 64 pixels start near 44 nats; 16 bars cost log 16 = 2.8 nats at best
    # (measured: 7.6 after 900 steps).
    assert first > 40 and last < 10, (first, last)


def test_conv_avb_encoders_run_in_losses():
    from vae_avb.links import Adversary
    from vae_avb.losses import AdaptiveContrastLoss
    from vae_avb.losses import AdversaryLoss
    from vae_avb.losses import AVBLoss
    rng = numpy.random.RandomState(3)
    x = small_images(6, rng)
    decoder = ConvBernoulliDecoder(2, (8, 8), (16,), 8, (4, 1), (2, 2), 3)
    adversary = Adversary(64, 2, 16, 2)
    encoder = ConvNoiseEncoder(2, 3, (8, 8), (4, 8), 3, dense=(16,))
    avb = AVBLoss(encoder, decoder, adversary)
    avb(x).backward()
    assert encoder.body.noise[0].W.grad is not None
    AdversaryLoss(encoder, adversary)(x).backward()
    contrast = ConvAdaptiveContrastEncoder(2, 3, 4, (8, 8), (4, 8), 3,
                                           dense=(16,), n_noise_hidden=8,
                                           n_noise_layers=1)
    adversary_ac = Adversary(64, 2, 16, 2)
    loss = AdaptiveContrastLoss(contrast, decoder, adversary_ac)
    loss(x).backward()
    assert contrast.mlp.convs[0].W.grad is not None
    assert numpy.isfinite(float(AdversaryLoss(
        contrast, adversary_ac, adaptive_contrast=True)(x).array))


def test_distribution_interface_and_evaluation():
    from vae_avb.evaluation import ais_log_likelihood
    from vae_avb.evaluation import importance_weighted_log_likelihood
    rng = numpy.random.RandomState(4)
    x = small_images(4, rng)
    vae = VAE(ConvGaussianEncoder(2, (8, 8), (4,), 3, dense=()),
              ConvBernoulliDecoder(2, (8, 8), (), 4, (1,), (2,), 3))
    q = vae.encoder.distribution(x)
    assert q.sample(3).shape == (3, 4, 2)
    assert vae.decoder.distribution(q.sample(3)).log_prob(
        numpy.broadcast_to(x, (3, 4, 64))).shape == (3, 4)
    iwae = importance_weighted_log_likelihood(vae, x, k=20)
    ais = ais_log_likelihood(vae.decoder, x, n_temperatures=20)
    assert iwae.shape == ais.shape == (4,)
    assert numpy.isfinite(iwae).all() and numpy.isfinite(ais).all()


SMALL_AC = {'n_latent': 2, 'n_noise': 2, 'n_basis': 3, 'image_shape': (6, 6),
            'channels': (2,), 'ksize': 3, 'dense': (), 'n_noise_hidden': 4,
            'n_noise_layers': 1}


@pytest.mark.parametrize('cls', ['conv', 'mlp'])
@pytest.mark.parametrize('name, value', [
    ('n_noise', None), ('n_noise', True), ('n_noise', 2.5), ('n_noise', 0),
    ('n_noise_hidden', None), ('n_noise_hidden', -1),
    ('n_noise_layers', -1), ('n_noise_layers', 2.5), ('n_noise_layers', True),
    ('n_noise_layers', 10 ** 7), ('n_basis', float('nan')),
    ('coefficient_offset', 'x'), ('coefficient_offset', float('nan')),
    ('coefficient_offset', float('inf')), ('coefficient_offset', True),
])
def test_adaptive_contrast_encoders_refuse_bad_noise_arguments(
        cls, name, value):
    """Each in one line when built, never at the first call, a hang (10
    million layers) or NaN codes (a NaN offset)."""
    from vae_avb.links import AdaptiveContrastEncoder
    if cls == 'conv':
        kwargs = dict(SMALL_AC, **{name: value})
        make = ConvAdaptiveContrastEncoder
    else:
        kwargs = {'n_in': 36, 'n_latent': 2, 'n_noise': 2, 'n_basis': 3,
                  'n_hidden': 4, 'n_noise_hidden': 4, 'n_noise_layers': 1,
                  name: value}
        make = AdaptiveContrastEncoder
    with pytest.raises(ValueError, match=name) as info:
        make(**kwargs)
    assert '\n' not in str(info.value)


def test_adaptive_contrast_encoder_sizes_given_as_floats():
    """2.0 is 2, as for every other size; the parameters' shapes are
    integers."""
    enc = ConvAdaptiveContrastEncoder(**dict(
        SMALL_AC, n_noise=2.0, n_noise_hidden=4.0, n_noise_layers=1.0))
    assert enc.noise_W[0].W.shape == (3, 2, 4)
    z, _, _ = enc(numpy.zeros((3, 36), numpy.float32))
    assert z.shape == (3, 2)


def test_adaptive_contrast_encoder_checks_eps():
    enc = ConvAdaptiveContrastEncoder(**SMALL_AC)
    x = numpy.zeros((4, 36), numpy.float32)
    for eps, error, match in (
            (numpy.zeros((3, 4, 2)), TypeError,
             r'ConvAdaptiveContrastEncoder: eps has dtype float64, expected '
             r'float32; convert with eps.astype\(numpy.float32\)'),
            (numpy.zeros((3, 4, 2), numpy.int32), TypeError,
             'eps has dtype int32'),
            ([[[0.] * 2] * 4] * 3, TypeError, 'eps must be an array'),
            (numpy.zeros((3, 5, 2), numpy.float32), ValueError,
             r'eps has shape \(3, 5, 2\); pass \(3, 4, 2\)')):
        with pytest.raises(error, match=match):
            enc(x, eps)
    from vae_avb.links import NoiseBases
    with pytest.raises(TypeError, match='NoiseBases: eps has dtype float64'):
        NoiseBases(2, 2, 3).bases(numpy.zeros((3, 4, 2)))


@pytest.mark.parametrize('make', [
    lambda: ConvStack((6, 6), (2,), 4, dense=()),
    lambda: ConvGaussianEncoder(2, (6, 6), (2,), 4, dense=()),
    lambda: ConvNoiseEncoder(2, 2, (6, 6), (2,), 4, dense=()),
    lambda: ConvAdaptiveContrastEncoder(**dict(SMALL_AC, ksize=4)),
])
def test_even_kernel_with_same_padding_is_refused(make):
    """ksize // 2 on each side would grow the maps (28 -> 29 at stride
    1) rather than keep them."""
    with pytest.raises(ValueError, match=r"centres odd kernels only, got "
                       r"ksize 4; use an odd ksize, or padding='tf_same'"):
        make()


@pytest.mark.parametrize('padding, sizes', [
    ('tf_same', [(2, 14, 14), (2, 7, 7)]), ('valid', [(2, 13, 13),
                                                      (2, 5, 5)])])
def test_even_kernel_with_other_paddings(padding, sizes):
    assert ConvStack(channels=(2, 2), ksize=4, padding=padding,
                     dense=()).map_shapes == sizes


def stacks(padding):
    numpy.random.seed(0)
    return (ConvStack((6, 6), (2,), 3, 2, padding, dense=(), n_out=3),
            DeconvStack(2, (6, 6), (), 2, (1,), (2,), 3, padding=padding))


@pytest.mark.parametrize('index', [0, 1])
def test_weights_of_another_padding_are_refused(tmp_path, index):
    """'same' and 'tf_same' have the same parameter shapes: the padding
    kept in the file tells them apart, through Chainer's load_npz as
    through the project's loader."""
    from chainer import serializers
    from vae_avb.training import load_snapshot
    from vae_avb.training import SnapshotError
    saved, other = stacks('same')[index], stacks('tf_same')[index]
    path = str(tmp_path / 'stack.npz')
    serializers.save_npz(path, saved)
    assert str(numpy.load(path)['padding']) == 'same'
    before = [p.array.copy() for p in other.params()]
    match = (r"{}: these weights were trained with padding='same' but this "
             r"network has padding='tf_same'; build it with padding='same'"
             .format(type(other).__name__))
    with pytest.raises(ValueError, match=match):
        serializers.load_npz(path, other)
    with pytest.raises(SnapshotError, match=match):
        load_snapshot(path, other)
    for kept, p in zip(before, other.params()):  # Refused before loading.
        numpy.testing.assert_array_equal(kept, p.array)
    same = stacks('same')[index]
    for p in same.params():
        p.array[...] = 0
    load_snapshot(path, same)
    for a, b in zip(saved.params(), same.params()):
        numpy.testing.assert_array_equal(a.array, b.array)


@pytest.mark.parametrize('index', [0, 1])
def test_weights_saved_before_the_padding_was_kept_still_load(tmp_path,
                                                              index):
    """Files without the entry (runs of earlier versions) load under
    either padding, as before."""
    from chainer import serializers
    from vae_avb.training import load_snapshot
    saved = stacks('same')[index]
    arrays = {k: v for k, v in serializers.npz.serialize(saved).items()
              if k != 'padding'}
    path = str(tmp_path / 'old.npz')
    numpy.savez(path, **arrays)
    for padding in ('same', 'tf_same'):
        target = stacks(padding)[index]
        load_snapshot(path, target)
        serializers.load_npz(path, target)
        for a, b in zip(saved.params(), target.params()):
            numpy.testing.assert_array_equal(a.array, b.array)


@pytest.mark.parametrize('stored', [
    numpy.array(3), numpy.array(['same', 'same']), numpy.array(b'same')])
def test_a_crafted_padding_entry_is_refused(tmp_path, stored):
    from chainer import serializers
    saved = stacks('same')[0]
    arrays = dict(serializers.npz.serialize(saved), padding=stored)
    path = str(tmp_path / 'crafted.npz')
    numpy.savez(path, **arrays)
    with pytest.raises(ValueError, match='ConvStack: the stored padding '
                       'holds .* not a padding name; the file is damaged'):
        serializers.load_npz(path, stacks('same')[0])


@pytest.mark.parametrize('make, where, shapes', [
    (lambda **kw: ConvStack((8, 8), (4,), 3, 2, dense=(5,), n_out=2, **kw),
     'ConvStack', r'\(4, 1, 3, 3\), \(5, 64\), \(2, 5\)'),
    (lambda **kw: DeconvStack(2, (8, 8), (5,), 4, (1,), (2,), 3, **kw),
     'DeconvStack', r'\(5, 2\), \(64, 5\), \(4, 1, 3, 3\)'),
    (lambda **kw: ConvGaussianEncoder(2, (8, 8), (4,), 3, dense=(), **kw),
     'ConvGaussianEncoder', r'\(4, 1, 3, 3\); pass'),
    (lambda **kw: ConvNoiseEncoder(2, 2, (8, 8), (4,), 3, dense=(), **kw),
     'ConvNoiseEncoder', r'\(4, 1, 3, 3\), \(64, 2\), \(2, 64\); pass'),
    (lambda **kw: ConvBernoulliDecoder(2, (8, 8), (5,), 4, (1,), (2,), 3,
                                       **kw),
     'ConvBernoulliDecoder', r'\(5, 2\), \(64, 5\), \(4, 1, 3, 3\)'),
])
def test_array_initializers_must_fit_every_layer(make, where, shapes):
    """Defect 11, as for the MLP Links: one line naming initialW and the
    layers' shapes, not chainer/backend.py's broadcast error."""
    with pytest.raises(ValueError, match=r'{}: initialW is an array of '
                       r'shape \(7, 7\) but it initialises layers of shapes '
                       r'{}'.format(where, shapes)):
        make(initialW=numpy.zeros((7, 7), numpy.float32))
    link = make(initialW=numpy.full((1, 1), 0.25), initial_bias=0.5)
    for name, param in link.namedparams():
        assert (param.array == (0.5 if name.endswith('/b') else 0.25)).all()


def test_conv_encoder_head_array_initializer_is_checked():
    # A (k, k) array fits the convolutions (ConvStack checks those) but
    # not the head (2 * n_latent, features).
    with pytest.raises(ValueError, match=r'ConvGaussianEncoder: initialW '
                       r'is an array of shape \(3, 3\) but it initialises '
                       r'layers of shapes \(4, 64\)'):
        ConvGaussianEncoder(2, (8, 8), (4,), 3, dense=(),
                            initialW=numpy.ones((3, 3), numpy.float32))


def test_conv_noise_encoder_center_x_must_be_a_bool():
    """Defect 13."""
    with pytest.raises(TypeError, match="ConvNoiseEncoder: center_x must be "
                       "True or False, got 'no'"):
        ConvNoiseEncoder(2, 2, (8, 8), (4,), 3, dense=(), center_x='no')
