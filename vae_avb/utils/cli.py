"""Moved: the script harness is :mod:`vae_avb.experiment` (2026-12-05).

Importing a name from here raises one line naming its new place; this
module imports nothing of vae_avb (``utils/`` is the ground floor).
"""

_MOVED = {
    'UsageError': 'vae_avb.experiment', 'run_main': 'vae_avb.experiment',
    'ArgumentParser': 'vae_avb.experiment',
    'positive_int': 'vae_avb.experiment',
    'positive_float': 'vae_avb.experiment',
    'interval': 'vae_avb.experiment',
    'add_snapshot_arguments': 'vae_avb.experiment',
    'add_device_argument': 'vae_avb.experiment',
    'resolve_device': 'vae_avb.experiment',
    'prepare_out': 'vae_avb.experiment', 'resume': 'vae_avb.experiment',
    'seed_and_use': 'vae_avb.experiment',
    'write_metrics': 'vae_avb.experiment',
}


def __getattr__(name):
    if name not in _MOVED:
        raise AttributeError(
            'module vae_avb.utils.cli has no attribute {!r}'.format(name))
    where = _MOVED[name]
    raise ImportError(
        'vae_avb.utils.cli.{0} has moved: use {1}.{0} (from {1} import {0})'
        .format(name, where))
