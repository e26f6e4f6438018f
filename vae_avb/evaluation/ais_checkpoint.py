"""The progress file of an AIS estimate, so that a killed one goes on where
it was (:func:`~vae_avb.evaluation.ais_log_likelihood`'s ``checkpoint``).

The file is an ``.npz`` of plain arrays, written atomically and read
without pickles: the images finished, the state of the batch in progress
(positions, log-weights, step sizes, the temperature reached) and NumPy's
global random state, with five fingerprints (SHA-256) of what the
estimate depends on: its settings, the decoder's weights, the images, the
start distribution and the random state it began from. A file whose
fingerprints differ belongs to another estimate and is refused. It also
keeps the seconds spent on the estimate so far, those of the runs killed
before included (files written before 2026-12-07 did not:
:func:`recorded_seconds`).
"""
import hashlib
import os
import time

import numpy
from chainer import backend

from vae_avb.utils.archive import ArchiveError
from vae_avb.utils.archive import read_npz
from vae_avb.utils.atomic_write import temporary_prefix
from vae_avb.utils.atomic_write import write_atomic

FORMAT = 1
_FINGERPRINTS = (
    ('settings', 'other settings (images, temperatures, leapfrog steps, step '
     'size, chains, batch size, adaptation, a start or none, or dtype)'),
    ('model', 'another model (other decoder weights)'),
    ('data', 'other images'),
    ('start', 'another start distribution'),
    ('random', 'another random state (another seed, or another device)'))
_UNRECORDED = numpy.zeros(32, numpy.uint8)
# The most a log-likelihood bounded by 0 may exceed it by in a progress
# file: rounding (of the decoder's z * z in float16, about 0.1 nats).
LOG_ROOM = 1.
_BATCH = ('u', 'log_f', 'grad_z', 'log_w', 'steps')
_RANDOM = ('rng_key', 'rng_pos', 'rng_has_gauss', 'rng_gauss')
_DONE = ('log_px', 'batches', 'acceptance')
_START = ('start_mean', 'start_std')
_NAMES = frozenset(('format', 'temperature', 'batch_acceptance',
                    'seconds') + _BATCH +
                   _RANDOM + _DONE + _START + tuple(
                       'fingerprint_' + name for name, _ in _FINGERPRINTS))
# How far a start distribution kept in a file may differ from this
# estimate's, relatively, and be the same start: the encoder's output
# rounds otherwise under another BLAS thread count (about 1e-7 in float32).
START_RTOL = 1e-4


class AISCheckpointError(ValueError):
    """An AIS progress file is unreadable, or holds another estimate
    (``problem``: what is wrong with it, without the fix; ``foreign``:
    true where the path holds no AIS progress file at all, a folder or
    another program's file; ``other_estimate``: where it holds the
    progress of another estimate, what differs, else ``None``)."""

    foreign = False
    other_estimate = None


def _cpu(array):
    return numpy.ascontiguousarray(backend.CpuDevice().send(array))


def _digest(parts):
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, str):
            h.update(part.encode('utf-8'))
        else:
            a = _cpu(part)
            h.update('{}{}'.format(a.dtype.str, a.shape).encode('ascii'))
            h.update(a.tobytes())
    return numpy.frombuffer(h.digest(), numpy.uint8).copy()


def data_fingerprint(x):
    """The fingerprint of the images ``x`` (their dtype, shape and
    values)."""
    return _digest([x])


def fingerprints(decoder, x, start, settings, xp):
    """The five fingerprints of an estimate: ``settings`` (a tuple of
    numbers and strings), the decoder's parameters, the images ``x``, the
    start distribution ``start`` (or ``None``) and NumPy's global random
    state (not recorded on a GPU: CuPy's cannot be saved)."""
    params = []
    for name, param in sorted(decoder.namedparams()):
        params += [name, param.array]
    if xp is numpy:
        _, key, pos, has_gauss, gauss = numpy.random.get_state()
        random = _digest([key, repr((int(pos), int(has_gauss),
                                     float(gauss).hex()))])
    else:
        random = _UNRECORDED
    return {'settings': _digest([repr(settings)]),
            'model': _digest(params), 'data': data_fingerprint(x),
            'start': _digest(['none'] if start is None else list(start)),
            'random': random}


class AISProgress(object):

    """Reads and writes the progress file ``path`` of one estimate.

    Args:
        path (str): The ``.npz`` file.
        prints (dict): :func:`fingerprints` of the estimate.
        every (float): Seconds between two writes inside a batch (0: after
            every temperature); a finished batch is always written.
        also (dict or None): Other fingerprints a file may hold for the
            same estimate (the images as passed, which files written
            before 2026-12-06 fingerprinted uncast); files are written
            with ``prints``.
        start (tuple or None): The start distribution's ``(mean, std)``,
            kept in the file: a file whose start fingerprint differs but
            whose kept start is this one within :data:`START_RTOL` (the
            same run under another BLAS thread count) is the same
            estimate.
    """

    def __init__(self, path, prints, every, also=None, start=None):
        self.path = path
        self.prints = prints
        self.also = also or {}
        self.start = None if start is None else tuple(
            _cpu(a) for a in start)
        self.every = every
        # A monotonic clock: a wall clock set back (NTP) would write a
        # negative duration, and delay the writes by as much. Only
        # durations are kept in the file, so each process reads its own.
        self.last = self.began = time.monotonic()
        # The seconds spent before this call (those a loaded file keeps).
        self.earlier = 0.
        self.done = {}

    def _refuse(self, problem, foreign=False, other=None):
        if foreign:
            # Not ours: never advise deleting it.
            error = AISCheckpointError(
                'checkpoint {} is not an AIS progress file (it {}); give '
                'checkpoint another path: a new file, or the progress file '
                'of this estimate'.format(self.path, problem))
        else:
            error = AISCheckpointError(
                'AIS progress file {} {}; delete it to start the estimate '
                'afresh, or continue with what wrote it'.format(
                    self.path, problem))
        error.problem = 'AIS progress file {} {}'.format(self.path, problem)
        error.foreign = foreign
        error.other_estimate = other
        raise error

    def load(self, n, n_latent, n_temperatures, n_chains, batch_size,
             dtype, prior_start=False):
        """The saved state, checked against the estimate's sizes; ``None``
        when there is no file. ``prior_start``: the estimate starts from
        the prior, so its log-weights cannot exceed 0.

        Raises:
            AISCheckpointError: The file is not a regular ``.npz`` of
                this format's arrays, is torn, holds pickles or values out
                of range, or belongs to another estimate.
        """
        if not os.path.lexists(self.path):
            return None
        if os.path.islink(self.path):
            self._refuse('is a symbolic link, which the progress would '
                         'replace with a file', foreign=True)
        if os.path.isdir(self.path):
            self._refuse('is a folder', foreign=True)
        if not os.path.isfile(self.path):
            self._refuse('is not a regular file', foreign=True)
        rows = n_chains * min(batch_size, n)
        # Every entry's size is known from the estimate's: a member
        # declaring more is refused before anything is unpacked.
        try:
            s = read_npz(self.path, allowed=_NAMES,
                         entry_bytes=1024 + 8 * max(n, 2 * rows * n_latent,
                                                    n * n_latent, 624))
        except OSError as e:
            self._refuse('cannot be read ({})'.format(e.strerror or e),
                         foreign=True)
        except ArchiveError as e:
            # What this module writes is whole (written atomically), of
            # its own entries, without pickles.
            self._refuse(e.problem, foreign=True)
        for key, value in s.items():
            if value.dtype.kind not in 'biuf':
                self._refuse('is not an AIS progress file (entry {} is not '
                             'numbers)'.format(key))
        self._check(s, 'format', (), 'iu')
        if int(s['format']) != FORMAT:
            self._refuse('has format {}, not {}'.format(
                int(s['format']), FORMAT))
        for name, what in _FINGERPRINTS:
            key = 'fingerprint_' + name
            self._check(s, key, (32,), 'u', numpy.uint8)
            if not numpy.array_equal(s[key], self.prints[name]) and not (
                    name in self.also and
                    numpy.array_equal(s[key], self.also[name])) and not (
                    name == 'start' and self._same_start(s, n, n_latent,
                                                         dtype)):
                self._refuse('holds an estimate of {}'.format(what),
                             other=what)
        # The estimate's own values may be infinite (a log-likelihood of
        # -inf in float16, a gradient that overflowed): only what must be
        # finite is required to be, and the logs are checked for what
        # they can be.
        n_done = self._check(s, 'log_px', None, 'f', numpy.float64,
                             finite=False).shape[0]
        self._check_log(s, 'log_px', prior_start)
        if n_done > n or (n_done % batch_size and n_done != n):
            self._refuse('holds {} finished images, which batches of {} out '
                         'of {} cannot give'.format(n_done, batch_size, n))
        batches = int(self._check(s, 'batches', (), 'iu'))
        if batches != -(-n_done // batch_size):
            self._refuse('holds {} batches for {} images'.format(batches,
                                                                 n_done))
        acceptance = float(self._check(s, 'acceptance', (), 'f',
                                       numpy.float64))
        if not 0 <= acceptance <= batches:
            self._refuse('holds an acceptance rate out of [0, 1]')
        if 'temperature' in s:
            if n_done == n:
                self._refuse('holds a batch in progress after the last one')
            rows = n_chains * min(batch_size, n - n_done)
            t = int(self._check(s, 'temperature', (), 'iu'))
            if not 1 <= t < n_temperatures:
                self._refuse('holds temperature {} of {}'.format(
                    t, n_temperatures))
            self._check(s, 'u', (rows, n_latent), 'f', dtype)
            self._check(s, 'grad_z', (rows, n_latent), 'f', dtype,
                        finite=False)
            self._check(s, 'steps', (rows, 1), 'f', dtype)
            for key in ('log_f', 'log_w'):
                self._check(s, key, (rows,), 'f', numpy.float64,
                            finite=False)
            # log f(z) = log p(x|z) + log p(z) <= 0 from any start.
            self._check_log(s, 'log_f', True)
            self._check_log(s, 'log_w', prior_start)
            if not (s['steps'] > 0).all():
                self._refuse('holds a leapfrog step of 0 or less')
            if not 0 <= float(self._check(s, 'batch_acceptance', (), 'f',
                                          numpy.float64)) <= t:
                self._refuse('holds an acceptance rate out of [0, 1]')
        elif 'batch_acceptance' in s or any(key in s for key in _BATCH):
            self._refuse('holds part of a batch in progress')
        if self.prints['random'].any():  # Recorded, so it must be there.
            self._check(s, 'rng_key', (624,), 'u', numpy.uint32)
            for key in _RANDOM[1:]:
                self._check(s, key, (), 'iu' if key != 'rng_gauss' else 'f')
            # An all-zero Mersenne Twister never leaves zero: its Gaussian
            # draws would loop for ever.
            if not 0 <= int(s['rng_pos']) <= 624 or \
                    int(s['rng_has_gauss']) not in (0, 1) or \
                    not s['rng_key'][1:].any():
                self._refuse('holds a random state out of range')
        elif any(key in s for key in _RANDOM):
            self._refuse('holds a random state its fingerprint does not')
        if 'seconds' in s:  # Not in files written before 2026-12-07.
            problem = _seconds_problem(s['seconds'])
            if problem:
                self._refuse(problem)
            self.earlier = float(s['seconds'])
        self.done = {key: s[key] for key in _DONE}
        return s

    def _same_start(self, s, n, n_latent, dtype):
        """Whether the file keeps this estimate's start within rounding."""
        if self.start is None or not all(key in s for key in _START):
            return False
        for key, ours in zip(_START, self.start):
            kept = self._check(s, key, (n, n_latent), 'f', dtype)
            if not numpy.allclose(kept, ours, rtol=START_RTOL, atol=0):
                return False
        return True

    def _check(self, s, key, shape, kinds, dtype=None, finite=True):
        if key not in s:
            self._refuse('is not an AIS progress file of this estimate (no '
                         'entry {})'.format(key))
        a = s[key]
        if a.dtype.kind not in kinds or (dtype is not None and
                                         a.dtype != numpy.dtype(dtype)) or \
                (shape is None and a.ndim != 1) or \
                (shape is not None and a.shape != shape):
            self._refuse('is not an AIS progress file of this estimate ({} '
                         'is {} {})'.format(key, a.dtype, a.shape))
        if finite and a.dtype.kind == 'f' and not numpy.isfinite(a).all():
            self._refuse('holds NaN or inf in {}'.format(key))
        return a

    def _check_log(self, s, key, bounded):
        """Refuses NaN and +inf in the log-density or log-weights ``key``
        (-inf, a zero weight or density, the estimate makes) and, where
        ``bounded``, values above 0: a Bernoulli ``log p(x|z)`` of ``x``
        in ``[0, 1]`` is at most 0, so are ``log f`` and, from the prior
        (whose weights are products of ``p(x|z)^(b - b')``), the
        log-weights and ``log p(x)`` (up to :data:`LOG_ROOM` for the
        rounding of ``z * z`` in the decoder's dtype). From a Gaussian
        start a weight may exceed 1."""
        a = s[key]
        if numpy.isnan(a).any() or (a == numpy.inf).any():
            self._refuse('holds NaN or +inf in {}, which the estimate never '
                         'makes'.format(key))
        if bounded and (a > LOG_ROOM).any():
            self._refuse('holds {} up to {:g}, above the 0 that a '
                         'Bernoulli log-likelihood cannot exceed'.format(
                             key, float(a.max())))

    def finished(self, log_px, batches, acceptance):
        """Records the images finished so far."""
        self.done = {'log_px': numpy.asarray(log_px, numpy.float64),
                     'batches': numpy.int64(batches),
                     'acceptance': numpy.float64(acceptance)}
        self.save(None, force=True)

    def save(self, batch, force=False):
        """Writes the file when due (``force``: now); ``batch``: the state
        of the batch in progress, or ``None`` between batches."""
        if not force and time.monotonic() - self.last < self.every:
            return
        arrays = {'format': numpy.int64(FORMAT), 'seconds': numpy.float64(
            self.earlier + time.monotonic() - self.began)}
        for name, _ in _FINGERPRINTS:
            arrays['fingerprint_' + name] = self.prints[name]
        arrays.update(self.done)
        if self.start is not None:
            arrays.update(zip(_START, self.start))
        if batch is not None:
            arrays['temperature'] = numpy.int64(batch['temperature'])
            arrays['batch_acceptance'] = numpy.float64(
                batch['batch_acceptance'])
            for key in _BATCH:
                arrays[key] = _cpu(batch[key])
        if self.prints['random'].any():
            _, key, pos, has_gauss, gauss = numpy.random.get_state()
            arrays.update(rng_key=numpy.asarray(key, numpy.uint32),
                          rng_pos=numpy.int64(pos),
                          rng_has_gauss=numpy.int64(has_gauss),
                          rng_gauss=numpy.float64(gauss))
        write_atomic(self.path, lambda f: numpy.savez(f, **arrays),
                     prefix=self.temporary_prefix(), suffix='.tmp')
        self.last = time.monotonic()

    def temporary_prefix(self):
        # As write_atomic uses it (cut to fit a long name).
        return temporary_prefix('.{}.'.format(os.path.basename(self.path)),
                                '.tmp')

    def remove_temporaries(self):
        """Removes the temporary files a kill during a write left."""
        folder = os.path.dirname(os.path.abspath(self.path))
        prefix = self.temporary_prefix()
        for name in os.listdir(folder):
            if name.startswith(prefix) and name.endswith('.tmp'):
                try:
                    os.remove(os.path.join(folder, name))
                except OSError:
                    pass


def recorded_seconds(path):
    """The seconds an AIS progress file says were spent on its estimate,
    those of the calls killed before included (up to their last write),
    or ``None`` where it does not say (a file written before 2026-12-07)
    or is no readable progress file (a link, a folder, another format).
    It does not check whose estimate the file holds, as
    :func:`~vae_avb.evaluation.ais_log_likelihood` does before going
    on."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError('recorded_seconds: path must be a file path, got '
                        '{!r}'.format(path))
    if os.path.islink(path):
        return None
    try:  # No such entry (an older file) is an ArchiveError.
        # Two scalars: a few compressed bytes declaring more are refused
        # before they unpack.
        entries = read_npz(path, names=['format', 'seconds'],
                           allowed=_NAMES,
                           entry_bytes={'format': 1024, 'seconds': 1024})
    except (OSError, ArchiveError):
        return None
    if entries['format'].shape != () or \
            entries['format'].dtype.kind not in 'iu' or \
            int(entries['format']) != FORMAT or \
            _seconds_problem(entries['seconds']):
        return None
    return float(entries['seconds']) + 0.  # -0.0 is 0.


def _seconds_problem(seconds):
    """What is wrong with a file's ``seconds`` entry (as
    :meth:`AISProgress.load` refuses it), or ``None``."""
    if seconds.shape != () or seconds.dtype != numpy.float64:
        return ('is not an AIS progress file of this estimate (seconds is '
                '{} {})'.format(seconds.dtype, seconds.shape))
    if not numpy.isfinite(seconds):
        return 'holds NaN or inf in seconds'
    if seconds < 0:
        return 'holds {:g} seconds spent, below 0'.format(float(seconds))
    return None


def restore_random_state(saved):
    """Sets NumPy's global random state to the one ``saved`` holds (if
    it holds one)."""
    if 'rng_key' in saved:
        numpy.random.set_state(('MT19937', saved['rng_key'].astype(
            numpy.uint32), int(saved['rng_pos']),
            int(saved['rng_has_gauss']), float(saved['rng_gauss'])))
