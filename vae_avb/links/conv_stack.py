import math

import numpy

import chainer
import chainer.functions as F
import chainer.links as L

from vae_avb.functions.convolution import convolution_2d
from vae_avb.functions.dense_layers import dense_layers
from vae_avb.initializers import Xavier
from vae_avb.utils import check_batch
from vae_avb.functions.activation import get_activation
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer

PADDINGS = ('same', 'valid', 'tf_same')


def tf_same_padding(size, ksize, stride):
    """``(before, after)``: TensorFlow's ``SAME`` padding of a ``size``
    axis for an output of ``ceil(size / stride)`` (the odd pixel after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + ksize - size, 0)
    return total // 2, total - total // 2


def axis_padding(size, ksize, stride, padding):
    """``(before, after)``: the zeros ``padding`` (one of
    :data:`PADDINGS`) puts on a ``size`` axis."""
    if padding == 'tf_same':
        return tf_same_padding(size, ksize, stride)
    pad = ksize // 2 if padding == 'same' else 0
    return pad, pad


def serialize_padding(link, serializer):
    """Keeps ``link.padding`` beside its weights: written as the entry
    ``padding``, and, when loading, weights written under another padding
    are refused. ``'same'`` and ``'tf_same'`` give parameters of the same
    shapes, so nothing else would tell them apart. Files written before
    the padding was kept load as before.

    Raises:
        ValueError: The stored padding is not ``link.padding``, or the
            entry is not a padding name.
    """
    where = type(link).__name__
    if isinstance(serializer, chainer.serializer.Serializer):
        serializer('padding', numpy.array(link.padding))
        return
    try:
        stored = serializer('padding', None)
    except KeyError:
        return  # Written before the padding was kept.
    if stored is None:
        return  # Not in the file (a non-strict deserializer).
    stored = numpy.asarray(stored)
    if stored.dtype.kind != 'U' or stored.ndim != 0:
        raise ValueError(
            '{}: the stored padding holds {} {}, not a padding name; the '
            'file is damaged or not written by vae_avb'.format(
                where, stored.dtype, tuple(stored.shape)))
    stored = str(stored[()])
    if stored != link.padding:
        raise ValueError(
            '{}: these weights were trained with padding={!r} but this '
            'network has padding={!r}; '
            'build it with padding={!r} (the scripts\' --conv-padding)'
            .format(where, stored[:20], link.padding, stored[:20]))


def check_image_shape(image_shape, where):
    """``(height, width)`` as two positive integers."""
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2:
        raise ValueError('{}: image_shape must be (height, width), got '
                         '{!r}'.format(where, image_shape))
    return tuple(check_count(size, 'image_shape', where)
                 for size in image_shape)


def check_sizes(sizes, name, where, allow_empty=False):
    """A tuple of positive integers (channels, widths, strides)."""
    if not isinstance(sizes, (tuple, list)) or \
            (not sizes and not allow_empty):
        raise ValueError('{}: {} must be a {}tuple of positive integers, got '
                         '{!r}'.format(where, name, '' if allow_empty
                                       else 'non-empty ', sizes))
    return tuple(check_count(size, name, where) for size in sizes)


def map_shapes(image_shape, channels, ksize, stride, padding,
               where='ConvStack'):
    """The ``(channels, height, width)`` of each convolution's output,
    computed without building anything.

    Raises:
        ValueError: ``padding`` is unknown, or the convolutions leave no
            pixel.
    """
    if not isinstance(padding, str) or padding not in PADDINGS:
        raise ValueError('{}: padding must be one of {}, got {!r}'.format(
            where, ', '.join(PADDINGS), padding))
    if padding == 'same' and ksize % 2 == 0:
        raise ValueError(
            "{}: padding='same' (ksize // 2 on each side) centres odd "
            "kernels only, got ksize {}; use an odd ksize, or padding="
            "'tf_same' or 'valid'".format(where, ksize))
    height, width = image_shape
    shapes = []
    for out_channels in channels:
        height, width = (
            (size + sum(axis_padding(size, ksize, stride, padding)) - ksize)
            // stride + 1 for size in (height, width))
        if height < 1 or width < 1:
            raise ValueError(
                '{}: {} convolutions of {}x{} with stride {} leave no pixel '
                "of a {}x{} image; use fewer channels entries or padding="
                "'same'".format(where, len(channels), ksize, ksize, stride,
                                *image_shape))
        shapes.append((out_channels, height, width))
    return shapes


class ConvStack(chainer.Chain):

    """Image features: convolutions, then dense layers.

    ``x`` of shape ``(B, height * width)`` (the library's flat images) is
    viewed as ``(B, 1, height, width)`` and goes through
    ``len(channels)`` :class:`~chainer.links.Convolution2D` layers of
    ``ksize x ksize`` kernels and stride ``stride``, each followed by the
    activation; the feature map is flattened and goes through one
    :class:`~chainer.links.Linear` layer per entry of ``dense`` (activated)
    and, if ``n_out`` is given, a linear output layer of ``n_out`` units.

    ``padding='same'`` pads ``ksize // 2`` on each side, so that a stride
    of 2 halves the size rounding up (28 -> 14 -> 7 -> 4): the sizes of
    TensorFlow's ``SAME``, not always its alignment. TensorFlow pads
    ``(out - 1) * stride + ksize - size`` in all, the odd pixel after
    (28 and 14 with 5 x 5 kernels: 1 before, 2 after), so where that
    total is odd these taps sit one pixel later than TensorFlow's (7 ->
    4 agrees). ``'tf_same'`` is TensorFlow's ``SAME`` exactly
    (:func:`tf_same_padding`; the extra pixel after is a zero row or
    column added before the convolution). ``'valid'`` pads nothing (28 ->
    13 -> 6 with 3 x 3 kernels).

    With ``n_noise`` the stack is the AVB authors' noise-input encoder body
    (Mescheder et al. 2017, their MNIST code): after each convolution's
    activation a linear map of the noise ``eps`` (``n_noise`` values),
    shaped as the feature map, is added.

    Weights are Xavier (Glorot uniform, the authors' and the seeds'
    initializer; for a convolution the fans are ``channels * ksize^2``)
    unless ``initialW`` is given; biases are zero unless ``initial_bias``.

    Args:
        image_shape (tuple): ``(height, width)`` of the images.
        channels (tuple): Output channels of each convolution.
        ksize (int): Kernel size.
        stride (int): Stride of every convolution.
        padding (str): ``'same'``, ``'tf_same'`` or ``'valid'``.
        dense (tuple): Widths of the activated dense layers.
        n_out (int or None): Units of a last, linear layer.
        activation (str or callable): The activation.
        n_noise (int): Noise size (0: no noise input).
        initialW: Weight initializer; ``None`` gives Xavier.
        initial_bias: Bias initializer; ``None`` gives zeros.
        where (str or None): The Link its errors name (the encoder built
            on it); ``None`` names ``ConvStack``.
    """

    def __init__(self, image_shape=(28, 28), channels=(16, 32, 32), ksize=5,
                 stride=2, padding='same', dense=(800,), n_out=None,
                 activation='elu', n_noise=0, initialW=None,
                 initial_bias=None, where=None):
        super(ConvStack, self).__init__()
        where = where or 'ConvStack'
        self.image_shape = check_image_shape(image_shape, where)
        channels = check_sizes(channels, 'channels', where)
        dense = check_sizes(dense, 'dense', where, allow_empty=True)
        ksize = check_count(ksize, 'ksize', where)
        stride = check_count(stride, 'stride', where)
        n_noise = check_count(n_noise, 'n_noise', where, minimum=0)
        if n_out is not None:
            n_out = check_count(n_out, 'n_out', where)
        self.activation = activation
        self._activate = get_activation(activation)
        self.n_in = self.image_shape[0] * self.image_shape[1]
        self.n_noise = n_noise
        self.stride = stride
        self.padding = padding
        self.map_shapes = map_shapes(self.image_shape, channels, ksize,
                                     stride, padding)
        # Each layer's padding before (Chainer's pad, both sides) and the
        # extra zeros after, per axis.
        self.pads, self.extras = [], []
        inputs = [self.image_shape] + [s[1:] for s in self.map_shapes[:-1]]
        for size in inputs:
            pairs = [axis_padding(n, ksize, stride, padding) for n in size]
            self.pads.append(tuple(before for before, _ in pairs))
            self.extras.append(tuple(after - before
                                     for before, after in pairs))
        sizes = [math.prod(self.map_shapes[-1])] + list(dense)
        self.n_features = sizes[-1] if n_out is None else n_out
        # Every layer's weight and bias shapes, for an array initializer.
        linears = [(a, b) for a, b in zip(sizes[:-1], sizes[1:])] + \
            [(n_noise, math.prod(shape))
             for shape in (self.map_shapes if n_noise else [])] + \
            ([] if n_out is None else [(sizes[-1], n_out)])
        check_initializer(
            initialW, 'initialW', where,
            [(c_out, c_in, ksize, ksize)
             for c_in, c_out in zip((1,) + channels, channels)] +
            [(b, a) for a, b in linears])
        check_initializer(initial_bias, 'initial_bias', where,
                          [(c,) for c in channels] +
                          [(b,) for _, b in linears])
        w = Xavier() if initialW is None else initialW
        with self.init_scope():
            self.convs = chainer.ChainList(*[
                L.Convolution2D(c_in, c_out, ksize, stride, pad,
                                initialW=w, initial_bias=initial_bias)
                for c_in, c_out, pad in zip((1,) + channels, channels,
                                            self.pads)])
            self.noise = chainer.ChainList(*[
                L.Linear(n_noise, math.prod(shape), initialW=w,
                         initial_bias=initial_bias)
                for shape in (self.map_shapes if n_noise else [])])
            self.dense = chainer.ChainList(*[
                L.Linear(a, b, initialW=w, initial_bias=initial_bias)
                for a, b in zip(sizes[:-1], sizes[1:])])
            self.output = None if n_out is None else L.Linear(
                sizes[-1], n_out, initialW=w, initial_bias=initial_bias)

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.convs[0].W.dtype

    def serialize(self, serializer):
        # The padding first: weights of another one are refused before
        # any is loaded.
        serialize_padding(self, serializer)
        super(ConvStack, self).serialize(serializer)

    def forward(self, x, eps=None):
        """Features of the images ``x``.

        Args:
            x (chainer.Variable or array): ``(B, height * width)``.
            eps (chainer.Variable or array or None): Noise ``(B,
                n_noise)``; required when the stack was built with
                ``n_noise``, refused otherwise.

        Returns:
            chainer.Variable: ``(B, n_features)``.
        """
        check_batch(x, self.n_in, 'x', 'ConvStack', self.dtype,
                    'pass images flattened to {} values'.format(self.n_in))
        batch = x.shape[0]
        if self.n_noise:
            if eps is None:
                raise ValueError('ConvStack: this stack takes noise; pass '
                                 'eps of shape (batch, {})'.format(
                                     self.n_noise))
            check_batch(eps, self.n_noise, 'eps', 'ConvStack', self.dtype,
                        'pass noise of shape (batch, {})'.format(
                            self.n_noise))
            if eps.shape[0] != batch:
                raise ValueError(
                    'ConvStack: eps has {} rows but x has {}; pass one noise '
                    'row per image'.format(eps.shape[0], batch))
        elif eps is not None:
            raise ValueError('ConvStack: this stack was built without noise '
                             '(n_noise=0); do not pass eps')
        h = F.reshape(x, (batch, 1) + self.image_shape)
        for i, conv in enumerate(self.convs):
            extra_h, extra_w = self.extras[i]
            if extra_h or extra_w:
                h = F.pad(h, ((0, 0), (0, 0), (0, extra_h), (0, extra_w)),
                          'constant')
            h = self._activate(convolution_2d(h, conv.W, conv.b,
                                              stride=self.stride,
                                              pad=self.pads[i]))
            if self.n_noise:
                h = h + F.reshape(self.noise[i](eps),
                                  (batch,) + self.map_shapes[i])
        h = F.reshape(h, (batch, -1))
        if len(self.dense):
            h = dense_layers(h, list(self.dense), self.activation,
                             activate_output=True)
        if self.output is not None:
            h = self.output(h)
        return h
