import math

import chainer
import chainer.functions as F
import chainer.links as L

from vae_avb.functions.convolution import deconvolution_2d
from vae_avb.initializers import Xavier
from vae_avb.links.conv_stack import check_image_shape
from vae_avb.links.conv_stack import check_sizes
from vae_avb.links.conv_stack import axis_padding
from vae_avb.links.conv_stack import serialize_padding
from vae_avb.utils import check_batch
from vae_avb.functions.activation import get_activation
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer


DECONV_PADDINGS = ('same', 'tf_same')


def layer_sizes(image_shape, channels, strides, where='DeconvStack'):
    """The ``(height, width)`` of the first map and of each layer's output,
    from the image back (each size its successor's divided by the stride,
    rounded up), computed without building anything.

    Raises:
        ValueError: ``strides`` and ``channels`` differ in length, or
            ``channels`` does not end with 1.
    """
    if len(strides) != len(channels) or channels[-1] != 1:
        raise ValueError(
            '{}: give one stride per entry of channels, and end channels '
            'with 1 (the image), got channels={} strides={}'.format(
                where, tuple(channels), tuple(strides)))
    sizes = [tuple(image_shape)]
    for stride in reversed(strides):
        sizes.insert(0, tuple(-(-s // stride) for s in sizes[0]))
    return sizes


class DeconvStack(chainer.Chain):

    """Image logits from codes: dense layers, a feature map, transposed
    convolutions.

    ``z`` of shape ``(B, n_latent)`` goes through one
    :class:`~chainer.links.Linear` layer per entry of ``dense`` and one to
    ``start_channels`` maps (all activated), is viewed as ``(B,
    start_channels, h, w)`` and goes through
    :class:`~chainer.links.Deconvolution2D` layers of ``ksize x ksize``
    kernels, the activation between them and none after the last, whose
    ``channels[-1]`` must be 1; the result is flattened to ``(B, height *
    width)`` logits.

    The sizes are those of the mirrored encoder: each map is its
    successor's size divided by the stride, rounded up (``strides=(2, 2,
    2)`` on 28 x 28: 4 -> 7 -> 14 -> 28, the AVB authors' decoder;
    ``(2, 2, 1)``: 7 -> 14 -> 28 -> 28, the seeds' conv VAE), with a
    padding of ``ksize // 2`` and the output size given to each layer.
    TensorFlow's ``SAME`` transposed convolution crops ``(in - 1) *
    stride + ksize - out`` pixels in all, the odd one at the end, so where
    that total is odd it keeps pixels one place earlier than this does
    (7 -> 14 and 14 -> 28 with 5 x 5 or 3 x 3 kernels; 4 -> 7 and the
    stride-1 layers agree). ``padding='tf_same'`` crops as TensorFlow
    does (a padding of :func:`~vae_avb.links.conv_stack.tf_same_padding`'s
    ``before``, the output size given).

    Args:
        n_latent (int): Code size.
        image_shape (tuple): ``(height, width)`` of the images.
        dense (tuple): Widths of the dense layers before the map.
        start_channels (int): Channels of the first feature map.
        channels (tuple): Output channels of each transposed convolution
            (the last is 1).
        strides (tuple): Stride of each (as many as ``channels``).
        ksize (int): Kernel size.
        activation (str or callable): The activation.
        padding (str): ``'same'`` (``ksize // 2``) or ``'tf_same'``
            (TensorFlow's alignment).
        initialW: Weight initializer; ``None`` gives Xavier.
        initial_bias: Bias initializer; ``None`` gives zeros.
        where (str or None): The Link its errors name (the decoder built
            on it); ``None`` names ``DeconvStack``.
    """

    def __init__(self, n_latent, image_shape=(28, 28), dense=(300,),
                 start_channels=32, channels=(32, 16, 1), strides=(2, 2, 2),
                 ksize=5, activation='softplus', initialW=None,
                 initial_bias=None, padding='same', where=None):
        super(DeconvStack, self).__init__()
        where = where or 'DeconvStack'
        self.n_latent = check_count(n_latent, 'n_latent', where)
        self.image_shape = check_image_shape(image_shape, where)
        dense = check_sizes(dense, 'dense', where, allow_empty=True)
        start_channels = check_count(start_channels, 'start_channels', where)
        channels = check_sizes(channels, 'channels', where)
        strides = check_sizes(strides, 'strides', where)
        ksize = check_count(ksize, 'ksize', where)
        if ksize % 2 == 0:
            raise ValueError('{}: ksize must be odd (the padding is ksize // '
                             '2 on each side and the output sizes are '
                             'given), got {}'.format(where, ksize))
        if not isinstance(padding, str) or padding not in DECONV_PADDINGS:
            raise ValueError('{}: padding must be one of {}, got {!r}'
                             .format(where, ', '.join(DECONV_PADDINGS),
                                     padding))
        sizes = layer_sizes(self.image_shape, channels, strides, where)
        widths = [self.n_latent] + list(dense) + [
            start_channels * math.prod(sizes[0])]
        # Every layer's weight and bias shapes, for an array initializer.
        check_initializer(
            initialW, 'initialW', where,
            [(b, a) for a, b in zip(widths[:-1], widths[1:])] +
            [(c_in, c_out, ksize, ksize) for c_in, c_out in zip(
                (start_channels,) + channels, channels)])
        check_initializer(initial_bias, 'initial_bias', where,
                          [(b,) for b in widths[1:]] +
                          [(c,) for c in channels])
        self.activation = activation
        self._activate = get_activation(activation)
        self.n_out = self.image_shape[0] * self.image_shape[1]
        self.padding = padding
        self.strides = strides
        self.start_shape = (start_channels,) + sizes[0]
        self.out_sizes = sizes[1:]
        # The padding before of the convolution from each output to its
        # input: the transposed one crops as much before.
        self.pads = [tuple(axis_padding(n, ksize, stride, padding)[0]
                           for n in size)
                     for size, stride in zip(self.out_sizes, strides)]
        w = Xavier() if initialW is None else initialW
        with self.init_scope():
            self.dense = chainer.ChainList(*[
                L.Linear(a, b, initialW=w, initial_bias=initial_bias)
                for a, b in zip(widths[:-1], widths[1:])])
            self.deconvs = chainer.ChainList(*[
                L.Deconvolution2D(c_in, c_out, ksize, stride, pad,
                                  outsize=size, initialW=w,
                                  initial_bias=initial_bias)
                for c_in, c_out, stride, size, pad in zip(
                    (start_channels,) + channels, channels, strides,
                    self.out_sizes, self.pads)])

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.dense[0].W.dtype

    def serialize(self, serializer):
        # The padding first: weights of another one are refused before
        # any is loaded.
        serialize_padding(self, serializer)
        super(DeconvStack, self).serialize(serializer)

    def forward(self, z):
        """Logits ``(B, height * width)`` of the codes ``z`` ``(B,
        n_latent)``."""
        return self._run(z, constant=False)

    def constant(self, z):
        """The logits with the weights as constants: gradients reach ``z``
        only (what evaluation differentiates)."""
        return self._run(z, constant=True)

    def _run(self, z, constant):
        check_batch(z, self.n_latent, 'z', 'DeconvStack', self.dtype,
                    'pass codes of shape (batch, {})'.format(self.n_latent))

        def params(link):
            if constant:
                return link.W.array, link.b.array
            return link.W, link.b

        h = z
        for layer in self.dense:
            h = self._activate(F.linear(h, *params(layer)))
        h = F.reshape(h, (h.shape[0],) + self.start_shape)
        last = len(self.deconvs) - 1
        for i, (layer, stride, size, pad) in enumerate(zip(
                self.deconvs, self.strides, self.out_sizes, self.pads)):
            h = deconvolution_2d(h, *params(layer), stride=stride,
                                 pad=pad, outsize=size)
            if i < last:
                h = self._activate(h)
        return F.reshape(h, (h.shape[0], self.n_out))
