"""Convolutions and transposed convolutions laid out for the CPU.

Chainer's CPU convolution (:func:`chainer.functions.convolution_2d`)
builds the patches with one slice copy per kernel tap after padding,
multiplies them with :func:`numpy.tensordot` (which transposes and copies
both operands) and rolls the result's axes (a non-contiguous array that
the next reshape copies again); its transposed convolution scatters the
patches back with one strided addition per tap (``col2im``). On the small
maps of MNIST networks these copies, not the arithmetic, take most of the
time (``docs/2026-12-06-conv-networks.md``).

Here the same quantities are computed with fewer copies:

- the patches come from one strided view of the padded image, copied
  once; the image is first laid out channels-last (``(B, H, W, C)``), so
  that the copy moves runs of ``kw x C`` contiguous values rather than
  of a few pixels (the tests check them against Chainer's
  ``im2col_cpu``);
- the convolution, and its weight gradient, is one matrix product of the
  patches ``(B H W, kh kw C)``; only the small result is transposed;
- the transposed convolution (also the convolution's input gradient) is
  split by output phase: for stride ``s`` the output pixels ``u = s t +
  a`` receive only the taps ``j = a, a + s, ...``, so each of the ``s^2``
  phases is a stride-1 convolution of the input with the flipped sub-kernel
  (channels-last patches and a matrix product), written into its phase of
  the output. No ``col2im``, and no multiplication by inserted zeros.

The nodes' backward passes are written with the same functions, so the
gradients are themselves differentiable, as in Chainer. On the reference
path (:func:`vae_avb.functions.reference_path`) and for GPU or ChainerX
arrays the public functions are Chainer's own. The tests check values and
gradients against Chainer's functions.
"""
import numpy
from numpy.lib.stride_tricks import as_strided

import chainer
from chainer import backend
import chainer.functions as F
from chainer import function_node
from chainer.utils import conv as conv_utils
from chainer.utils import type_check

from vae_avb.functions.fused_path import use_fused
from vae_avb.utils.check import check_count


def _pair(value, name, where, minimum):
    """An int or a pair of ints, each from ``minimum``, as a pair."""
    if isinstance(value, (tuple, list, range, numpy.ndarray)):
        values = tuple(numpy.asarray(value).ravel().tolist()) \
            if isinstance(value, numpy.ndarray) else tuple(value)
    else:
        values = (value, value)
    if len(values) != 2:
        raise ValueError('{}: {} must be an integer or a pair of integers, '
                         'got {!r}'.format(where, name, value))
    return tuple(check_count(v, name, where, minimum=minimum)
                 for v in values)


def _patches(x, kh, kw, sy, sx, ph, pw, out_h, out_w):
    """The channels-last patches ``(B out_h out_w, kh kw C)`` of ``x`` for
    an output of ``out_h x out_w``, and that size.

    ``x`` goes channels-last once (``(B, H, W, C)``, padded); the patches
    are then copied in runs of ``kw x C`` contiguous values (``C`` where
    the stride passes the kernel), where a ``(B, C, H, W)`` image gives
    runs of a few pixels on small maps.
    """
    batch, channels, height, width = x.shape
    rows = max((out_h - 1) * sy + kh, ph + height)
    cols = max((out_w - 1) * sx + kw, pw + width)
    padded = numpy.zeros((batch, rows, cols, channels), dtype=x.dtype)
    padded[:, ph:ph + height, pw:pw + width] = x.transpose(0, 2, 3, 1)
    s0, s1, s2, s3 = padded.strides
    view = as_strided(padded, (batch, out_h, out_w, kh, kw, channels),
                      (s0, sy * s1, sx * s2, s1, s2, s3), writeable=False)
    return (view.reshape(batch * out_h * out_w, kh * kw * channels),
            (out_h, out_w))


def _conv_outsize(x, W, sy, sx, ph, pw, cover_all):
    # cover_all: one flag, or (internally) one per axis.
    cy, cx = cover_all if isinstance(cover_all, tuple) else (cover_all,) * 2
    return (conv_utils.get_conv_outsize(x.shape[2], W.shape[2], sy, ph, cy),
            conv_utils.get_conv_outsize(x.shape[3], W.shape[3], sx, pw, cx))


def _conv_forward(x, W, b, col):
    """The convolution of ``x`` from its patches ``col``."""
    out_channels, in_channels, kh, kw = W.shape
    col, (out_h, out_w) = col
    # One product (B out_h out_w, kh kw C) x (kh kw C, C_out), then the
    # (small) result to (B, C_out, out_h, out_w).
    kernel = W.transpose(2, 3, 1, 0).reshape(kh * kw * in_channels,
                                             out_channels)
    y = col.dot(kernel)
    y = y.astype(x.dtype, copy=False).reshape(
        x.shape[0], out_h, out_w, out_channels)
    y = numpy.ascontiguousarray(y.transpose(0, 3, 1, 2))
    if b is not None:
        y += b[:, None, None]
    return y


def _deconv_forward(x, W, b, sy, sx, ph, pw, out_h, out_w):
    """Transposed convolution of ``x`` ``(B, C_in, h, w)`` with ``W``
    ``(C_in, C_out, kh, kw)``, one stride-1 convolution per output
    phase."""
    batch, in_channels, h, w = x.shape
    _, out_channels, kh, kw = W.shape
    if kh == 0 or kw == 0:  # An empty kernel: no tap reaches the output.
        y = numpy.zeros((batch, out_channels, out_h, out_w), dtype=x.dtype)
        if b is not None:
            y += b[:, None, None]
        return y
    if in_channels > 2 * out_channels:
        # Few output channels: the phases' patches of the wide input would
        # cost more than scattering the narrow products (col2im).
        col = numpy.matmul(W.reshape(in_channels, out_channels * kh * kw).T,
                           x.reshape(batch, in_channels, h * w))
        col = col.astype(x.dtype, copy=False).reshape(
            batch, out_channels, kh, kw, h, w)
        y = numpy.ascontiguousarray(conv_utils.col2im_cpu(
            col, sy, sx, ph, pw, out_h, out_w))
        if b is not None:
            y += b[:, None, None]
        return y
    # The uncropped output has sy (h - 1) + kh rows; Chainer's
    # deconvolution keeps rows ph .. ph + out_h - 1 of it (zeros past its
    # end when out_h asks for more).
    full_h = max(sy * (h - 1) + kh, ph + out_h)
    full_w = max(sx * (w - 1) + kw, pw + out_w)
    full = numpy.zeros((batch, out_channels, full_h, full_w), dtype=x.dtype)
    # The input once channels-last and padded for the widest phase: a
    # phase's patches are then copied in runs of (columns x channels)
    # contiguous values, not of a few pixels as from (B, C, h, w).
    pad_h, pad_w = -(-kh // sy) - 1, -(-kw // sx) - 1
    padded = numpy.zeros((batch, h + 2 * pad_h, w + 2 * pad_w, in_channels),
                         dtype=x.dtype)
    padded[:, pad_h:pad_h + h, pad_w:pad_w + w] = x.transpose(0, 2, 3, 1)
    s0, s1, s2, s3 = padded.strides
    for a in range(min(sy, kh)):
        taps_h = len(range(a, kh, sy))
        for c in range(min(sx, kw)):
            taps_w = len(range(c, kw, sx))
            # Output row u = sy t + a gets x[t - m] W[a + sy m]: a
            # stride-1 correlation with the sub-kernel reversed, whose
            # patches (B, rows, cols, taps_h, taps_w, C_in) start
            # pad - (taps - 1) into the padded input.
            sub = W[:, :, a::sy, c::sx][:, :, ::-1, ::-1]
            rows, cols = h + taps_h - 1, w + taps_w - 1
            start = padded[:, pad_h - taps_h + 1:, pad_w - taps_w + 1:]
            col = as_strided(start, (batch, rows, cols, taps_h, taps_w,
                                     in_channels),
                             (s0, s1, s2, s1, s2, s3), writeable=False)
            col = col.reshape(batch * rows * cols,
                              taps_h * taps_w * in_channels)
            kernel = sub.transpose(2, 3, 0, 1).reshape(
                taps_h * taps_w * in_channels, out_channels)
            phase = col.dot(kernel).astype(x.dtype, copy=False)
            # The write is strided anyway: the product's channels-last
            # order is undone by it at no extra cost.
            full[:, :, a::sy, c::sx][:, :, :rows, :cols] = phase.reshape(
                batch, rows, cols, out_channels).transpose(0, 3, 1, 2)
    y = numpy.ascontiguousarray(full[:, :, ph:ph + out_h, pw:pw + out_w])
    if b is not None:
        y += b[:, None, None]
    return y


def _conv_grad_w(x, gy, kh, kw, sy, sx, ph, pw, col=None):
    """The weight gradient ``sum_b gy[b] . patches(x)[b]^T``, one matrix
    product."""
    batch, out_channels, out_h, out_w = gy.shape
    if col is None:
        col = _patches(x, kh, kw, sy, sx, ph, pw, out_h, out_w)
    g = gy.transpose(0, 2, 3, 1).reshape(batch * out_h * out_w,
                                         out_channels)
    gW = g.T.dot(col[0]).astype(x.dtype, copy=False)
    return numpy.ascontiguousarray(gW.reshape(
        out_channels, kh, kw, x.shape[1]).transpose(0, 3, 1, 2))


def _check_conv_types(in_types, channels_axis, bias_axis):
    n_in = in_types.size()
    type_check.expect(2 <= n_in, n_in <= 3)
    x_type, w_type = in_types[:2]
    type_check.expect(
        x_type.dtype.kind == 'f',
        w_type.dtype == x_type.dtype,
        x_type.ndim == 4,
        w_type.ndim == 4,
        x_type.shape[1] == w_type.shape[channels_axis],
    )
    if type_check.eval(n_in) == 3:
        b_type = in_types[2]
        type_check.expect(
            b_type.dtype == x_type.dtype,
            b_type.ndim == 1,
            b_type.shape[0] == w_type.shape[bias_axis],
        )


class Convolution2D(function_node.FunctionNode):

    """2-D convolution (no dilation, no groups) on the CPU.

    With ``keep_patches`` the node keeps the input's patches for the
    weight gradient (made again otherwise); ``patches`` (internal) are
    patches the caller already made.
    """

    def __init__(self, stride, pad, cover_all=False, keep_patches=True,
                 patches=None):
        self.sy, self.sx = stride
        self.ph, self.pw = pad
        self.cover_all = cover_all
        self.keep_patches = keep_patches
        self._patches = patches

    def check_type_forward(self, in_types):
        _check_conv_types(in_types, 1, 0)

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[:2]
        b = inputs[2] if len(inputs) == 3 else None
        out_h, out_w = _conv_outsize(x, W, self.sy, self.sx, self.ph,
                                     self.pw, self.cover_all)
        if out_h <= 0 or out_w <= 0:
            raise ValueError(
                'convolution_2d: a {}x{} kernel with stride {} and pad {} '
                'leaves no output pixel of a {}x{} map; use a smaller '
                'kernel or more padding'.format(
                    W.shape[2], W.shape[3], (self.sy, self.sx),
                    (self.ph, self.pw), x.shape[2], x.shape[3]))
        patches, self._patches = self._patches, None
        if patches is None:
            patches = _patches(x, W.shape[2], W.shape[3], self.sy, self.sx,
                               self.ph, self.pw, out_h, out_w)
        if self.keep_patches:
            self._patches = patches
        return _conv_forward(x, W, b, patches),

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        patches, self._patches = self._patches, None
        ret = []
        if 0 in indexes:
            ret.append(deconvolution_2d(
                gy, W, stride=(self.sy, self.sx), pad=(self.ph, self.pw),
                outsize=x.shape[2:]))
        if 1 in indexes:
            ret.append(Convolution2DGradW(
                W.shape[2:], (self.sy, self.sx), (self.ph, self.pw),
                patches).apply((x, gy))[0])
        if 2 in indexes:
            ret.append(F.sum(gy, axis=(0, 2, 3)))
        return ret


class Deconvolution2D(function_node.FunctionNode):

    """2-D transposed convolution (no dilation, no groups) on the CPU.

    The output sizes Chainer accepts: those whose convolution, with or
    without ``cover_all``, gives back the input's size.
    """

    def __init__(self, stride, pad, outsize=None):
        self.sy, self.sx = stride
        self.ph, self.pw = pad
        self.outsize = outsize

    def check_type_forward(self, in_types):
        _check_conv_types(in_types, 0, 1)

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[:2]
        b = inputs[2] if len(inputs) == 3 else None
        kh, kw = W.shape[2:]
        natural = tuple(
            conv_utils.get_deconv_outsize(size, k, s, p)
            for size, k, s, p in ((x.shape[2], kh, self.sy, self.ph),
                                  (x.shape[3], kw, self.sx, self.pw)))
        if self.outsize is None:
            self.outsize = natural
        self.outh, self.outw = self.outsize
        cover_all = []
        for size, out, nat, k, s, p in (
                (x.shape[2], self.outh, natural[0], kh, self.sy, self.ph),
                (x.shape[3], self.outw, natural[1], kw, self.sx, self.pw)):
            if nat + s - 1 < 1:
                raise ValueError(
                    'deconvolution_2d: a {}x{} kernel with stride {} and '
                    'pad {} leaves no output pixel of a map of size {}; '
                    'use less padding'.format(kh, kw, s, p, size))
            if not 0 < out or not (
                    conv_utils.get_conv_outsize(out, k, s, p) <= size <=
                    conv_utils.get_conv_outsize(out, k, s, p, True)):
                raise ValueError(
                    'deconvolution_2d: an output of size {} does not map '
                    'back to an input of size {} with a {}x{} kernel, stride '
                    '{} and pad {}; give an outsize from {} to {}'.format(
                        out, size, kh, kw, s, p, max(1, nat - s + 1),
                        nat + s - 1))
            cover_all.append(conv_utils.get_conv_outsize(out, k, s, p) !=
                             size)
        # Per axis: an output may need cover_all along one axis only.
        self.cover_all = tuple(cover_all)
        return _deconv_forward(x, W, b, self.sy, self.sx, self.ph, self.pw,
                               self.outh, self.outw),

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        stride, pad = (self.sy, self.sx), (self.ph, self.pw)
        # Both gradients multiply the patches of gy: made once.
        patches = None
        if 0 in indexes or 1 in indexes:
            patches = _patches(gy.array, W.shape[2], W.shape[3], self.sy,
                               self.sx, self.ph, self.pw, x.shape[2],
                               x.shape[3])
        ret = []
        if 0 in indexes:
            ret.append(Convolution2D(stride, pad, self.cover_all, False,
                                     patches).apply((gy, W))[0])
        if 1 in indexes:
            ret.append(Convolution2DGradW(
                W.shape[2:], stride, pad, patches).apply((gy, x))[0])
        if 2 in indexes:
            ret.append(F.sum(gy, axis=(0, 2, 3)))
        return ret


class Convolution2DGradW(function_node.FunctionNode):

    """The weight gradient of a convolution, from its input and its
    output's gradient."""

    def __init__(self, ksize, stride, pad, patches=None):
        self.kh, self.kw = ksize
        self.sy, self.sx = stride
        self.ph, self.pw = pad
        self._patches = patches

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        patches, self._patches = self._patches, None
        return _conv_grad_w(x, gy, self.kh, self.kw, self.sy, self.sx,
                            self.ph, self.pw, patches),

    def backward(self, indexes, grad_outputs):
        x, gy = self.get_retained_inputs()
        ggW, = grad_outputs
        ret = []
        if 0 in indexes:
            ret.append(deconvolution_2d(
                gy, ggW, stride=(self.sy, self.sx), pad=(self.ph, self.pw),
                outsize=x.shape[2:]))
        if 1 in indexes:
            # The convolution whose output has gy's size (cover_all along
            # an axis whose input's last rows were covered only so).
            plain = _conv_outsize(x, ggW, self.sy, self.sx, self.ph,
                                  self.pw, False)
            cover_all = tuple(p != g for p, g in zip(plain, gy.shape[2:]))
            if cover_all[0] == cover_all[1]:
                ret.append(convolution_2d(x, ggW, stride=(self.sy, self.sx),
                                          pad=(self.ph, self.pw),
                                          cover_all=cover_all[0]))
            else:  # Chainer's function has one flag for both axes.
                ret.append(Convolution2D(
                    (self.sy, self.sx), (self.ph, self.pw), cover_all,
                    chainer.config.enable_backprop).apply((x, ggW))[0])
        return ret


def _on_numpy(*arrays):
    return all(backend.get_array_module(a) is numpy for a in arrays
               if a is not None)


def convolution_2d(x, W, b=None, stride=1, pad=0, cover_all=False):
    """:func:`chainer.functions.convolution_2d` (no dilation or groups),
    computed on the CPU with one patch copy and one matrix product
    (:class:`Convolution2D`).

    Chainer's own function runs on the reference path and for arrays that
    are not NumPy's (CuPy: cuDNN).

    Args:
        x: ``(B, C_in, H, W)``.
        W: ``(C_out, C_in, kh, kw)``.
        b: ``(C_out,)`` or ``None``.
        stride (int or pair): The stride.
        pad (int or pair): Zero padding on each side.
        cover_all (bool): As Chainer's: an output pixel more where the
            last window would pass the padded image.

    Returns:
        chainer.Variable: ``(B, C_out, H_out, W_out)``.
    """
    stride = _pair(stride, 'stride', 'convolution_2d', 1)
    pad = _pair(pad, 'pad', 'convolution_2d', 0)
    if not isinstance(cover_all, (bool, numpy.bool_)):
        raise ValueError('convolution_2d: cover_all must be True or False, '
                         'got {!r}'.format(cover_all))
    if not use_fused() or not _on_numpy(x, W, b):
        return F.convolution_2d(x, W, b, stride=stride, pad=pad,
                                cover_all=bool(cover_all))
    inputs = (x, W) if b is None else (x, W, b)
    # The patches are kept for the weight gradient only when there will
    # be one.
    keep = chainer.config.enable_backprop and \
        isinstance(W, chainer.Variable) and W.requires_grad
    return Convolution2D(stride, pad, bool(cover_all), keep).apply(
        inputs)[0]


def deconvolution_2d(x, W, b=None, stride=1, pad=0, outsize=None):
    """:func:`chainer.functions.deconvolution_2d` (no dilation or groups),
    computed on the CPU phase by phase, without ``col2im``
    (:class:`Deconvolution2D`).

    Chainer's own function runs on the reference path and for arrays that
    are not NumPy's.

    Args:
        x: ``(B, C_in, h, w)``.
        W: ``(C_in, C_out, kh, kw)``.
        b: ``(C_out,)`` or ``None``.
        stride (int or pair): The stride.
        pad (int or pair): Rows and columns cropped on each side.
        outsize (pair or None): The output size; ``None`` gives
            ``stride * (h - 1) + kh - 2 pad``; Chainer's range (from
            ``stride - 1`` below that to ``stride - 1`` above) is
            accepted.

    Returns:
        chainer.Variable: ``(B, C_out, H, W)``.
    """
    stride = _pair(stride, 'stride', 'deconvolution_2d', 1)
    pad = _pair(pad, 'pad', 'deconvolution_2d', 0)
    if outsize is not None:
        outsize = _pair(outsize, 'outsize', 'deconvolution_2d', 1)
    if not use_fused() or not _on_numpy(x, W, b):
        return F.deconvolution_2d(x, W, b, stride=stride, pad=pad,
                                  outsize=outsize)
    inputs = (x, W) if b is None else (x, W, b)
    return Deconvolution2D(stride, pad, outsize).apply(inputs)[0]
