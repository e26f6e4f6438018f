"""Moved: activations are :mod:`vae_avb.functions.activation`
(2026-12-07), beside the ELU node they name.

Importing a name from here raises one line naming its new place; this
module imports nothing of vae_avb (``utils/`` is the ground floor).
"""


def __getattr__(name):
    if name not in ('get_activation', 'ACTIVATIONS'):
        raise AttributeError('module vae_avb.utils.activation has no '
                             'attribute {!r}'.format(name))
    raise ImportError(
        'vae_avb.utils.activation.{0} has moved: use vae_avb.functions.{0} '
        '(from vae_avb.functions import {0})'.format(name))
