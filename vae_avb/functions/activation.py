"""Activations by name, for the Links' ``activation`` arguments."""
import chainer.functions as F

from vae_avb.functions.elu import elu
from vae_avb.functions.softplus import softplus


ACTIVATIONS = {
    'tanh': F.tanh,
    'relu': F.relu,
    # Chainer's ELU node with whole-array CPU passes (the same values).
    'elu': elu,
    # Chainer's softplus node with in-place CPU passes (the same values).
    'softplus': softplus,
    'sigmoid': F.sigmoid,
    # Slope 0.2 (Chainer's default), as the AVB authors' adversary.
    'leaky_relu': F.leaky_relu,
}


def get_activation(activation):
    """Returns the activation function named ``activation``.

    Args:
        activation (str or callable): One of ``'tanh'``, ``'relu'``,
            ``'elu'``, ``'softplus'``, ``'sigmoid'``, ``'leaky_relu'`` (slope
            0.2), or a callable that is returned unchanged.

    Returns:
        callable: A function of one :class:`chainer.Variable`.
    """
    if callable(activation):
        return activation
    try:
        return ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ValueError(
            'unknown activation {!r}: use one of {} or pass a '
            'callable'.format(activation, ', '.join(sorted(ACTIVATIONS))))
