"""The one switch between the fused function nodes and Chainer's own
composition of the same quantities.

``chainer.config.vae_avb_fused`` (``True`` by default) picks, inside each
function of :mod:`vae_avb.functions`, one function node with a written-out
backward (the fast path) or the composition of Chainer's functions (the
reference path, which also supports double backpropagation). Links and
losses have one forward each and never name a path::

    with vae_avb.functions.reference_path():
        loss = model(x)   # Chainer's composition throughout

Both paths compute the same values from the same random draws, to float
rounding; the tests run on both.
"""
import chainer

chainer.global_config.vae_avb_fused = True


def use_fused():
    """Whether the functions run as fused nodes (the default)."""
    return bool(getattr(chainer.config, 'vae_avb_fused', True))


def reference_path(enabled=True):
    """A context in which the functions compose Chainer's own (``enabled``
    false: the fused path)."""
    return chainer.using_config('vae_avb_fused', not enabled)
