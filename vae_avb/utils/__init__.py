from vae_avb.utils.check import check_batch  # NOQA
from vae_avb.utils.check import check_count  # NOQA
from vae_avb.utils.check import check_positive  # NOQA
from vae_avb.utils.check import check_rows  # NOQA
from vae_avb.utils.check import check_same_device  # NOQA
from vae_avb.utils.check import check_values  # NOQA


def __getattr__(name):
    # Moved (2026-12-07): activations are functions, and utils/ imports
    # nothing of vae_avb above it.
    if name in ('get_activation', 'ACTIVATIONS'):
        raise ImportError(
            'vae_avb.utils.{0} has moved: use vae_avb.functions.{0} (from '
            'vae_avb.functions import {0})'.format(name))
    raise AttributeError(
        'module vae_avb.utils has no attribute {!r}'.format(name))
