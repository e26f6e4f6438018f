import json

import numpy

import chainer
from chainer import training

from vae_avb.training.snapshots import SnapshotError
from vae_avb.utils.check import one_line


class FlagsChangedError(SnapshotError):
    """A snapshot was written by a run with other training settings."""


class RunFlags(training.Extension):

    """Keeps a run's training settings in its snapshots and refuses to
    resume under other ones.

    The settings (a dict of JSON values: numbers, strings, booleans,
    ``None`` and lists of them) are written into every snapshot as one
    JSON string. When a snapshot is loaded, the stored settings are
    compared with this run's and any difference raises
    :class:`FlagsChangedError` naming each setting with both values: a run
    resumed with another step size or batch size would silently be a
    different experiment. A snapshot written before settings were kept
    loads as before.

    Args:
        flags (dict): The settings that define the training (leave out
            those that do not change it: output folder, device, snapshot
            interval, evaluation sizes).
        normalize (callable or None): Applied to this run's settings and
            to the stored ones before they are compared (for instance to
            drop settings at values that change nothing, so that runs
            written before such a setting existed still resume).
    """

    trigger = 1, 'iteration'
    name = 'RunFlags'
    # Checked by load_snapshot before the rest of a snapshot is loaded.
    checked_first = True

    def __init__(self, flags, normalize=None):
        if not isinstance(flags, dict):
            raise TypeError('RunFlags: flags must be a dict of settings, got '
                            '{}'.format(type(flags).__name__))
        try:
            text = json.dumps(flags, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise ValueError(
                'RunFlags: flags must hold JSON values (finite numbers, '
                'strings, booleans, None and lists of them) under string '
                'names ({})'.format(one_line(e)))
        if normalize is not None and not callable(normalize):
            raise TypeError('RunFlags: normalize must be a function or None, '
                            'got {}'.format(type(normalize).__name__))
        self.flags = json.loads(text)
        self.normalize = normalize

    def __call__(self, trainer):
        pass

    def serialize(self, serializer):
        if isinstance(serializer, chainer.serializer.Serializer):
            serializer('flags', numpy.array(json.dumps(self.flags,
                                                       sort_keys=True)))
            return
        try:
            stored = serializer('flags', None)
        except KeyError:
            return  # Written before the settings were kept.
        try:
            stored = json.loads(str(numpy.asarray(stored)[()]))
        except (ValueError, TypeError, RecursionError):
            raise SnapshotError('the snapshot\'s stored settings are not '
                                'readable; resume from an older one')
        if not isinstance(stored, dict):
            raise SnapshotError('the snapshot\'s stored settings are not '
                                'readable; resume from an older one')
        flags = self.flags
        if self.normalize is not None:
            stored, flags = self.normalize(stored), self.normalize(flags)
        changed = [key for key in sorted(set(stored) | set(flags))
                   if stored.get(key) != flags.get(key)]
        if changed:
            raise FlagsChangedError(
                'trained with {}, this run has {}; resume '
                'with the same settings, or start a new run in another '
                '--out'.format(_describe(stored, changed),
                               _describe(flags, changed)))


def _describe(flags, keys):
    # A setting absent on one side is at its default there.
    return ' '.join('--{} {}'.format(key.replace('_', '-'),
                                     json.dumps(flags[key]) if key in flags
                                     else '(default)')
                    for key in keys)
