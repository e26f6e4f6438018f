"""AIS that goes on where it was killed: ``ais_log_likelihood(checkpoint=)``.

A call interrupted at any point (inside a batch, between batches, before
the first write) and called again gives the numbers of a call never
interrupted, bit for bit; a progress file of another estimate, or one
that is torn, crafted or not a file, is refused in one line and left as
it was.
"""
import os
import random
import signal
import subprocess
import sys
import textwrap
import zipfile

import numpy
import pytest

import chainer

from vae_avb.evaluation import ais_checkpoint
from vae_avb.evaluation import ais_log_likelihood
from vae_avb.evaluation import AISCheckpointError
from vae_avb.links import BernoulliDecoder

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# 7 images in batches of 3: two full batches and one of 1.
SETTINGS = dict(n_temperatures=30, n_leapfrog=2, step_size=0.05, n_chains=4,
                batch_size=3)


def make(seed=0):
    numpy.random.seed(seed)
    decoder = BernoulliDecoder(3, 12, 16, 2, 'tanh')
    x = (numpy.random.rand(7, 12) < 0.5).astype(numpy.float32)
    mean = numpy.random.randn(7, 3).astype(numpy.float32) * 0.2
    std = numpy.random.uniform(0.7, 1.3, (7, 3)).astype(numpy.float32)
    return decoder, x, (mean, std)


def estimate(decoder, x, start, path=None, seed=5, **kwargs):
    numpy.random.seed(seed)
    settings = dict(SETTINGS, **kwargs)
    return ais_log_likelihood(decoder, x, start=start, checkpoint=path,
                              checkpoint_every=0, return_acceptance=True,
                              **settings)


class Interrupt(Exception):
    pass


def interrupted_after(monkeypatch, writes):
    """Makes the ``writes``-th write of the progress file the last one."""
    count = [0]
    save = ais_checkpoint.AISProgress.save

    def counted(self, batch, force=False):
        save(self, batch, force)
        if os.path.exists(self.path):
            count[0] += 1
        if count[0] >= writes:
            raise Interrupt()

    monkeypatch.setattr(ais_checkpoint.AISProgress, 'save', counted)


def interrupted_then_again(monkeypatch, decoder, x, start, path, writes):
    """The estimate interrupted after ``writes`` writes, then called
    again as it was first called (the random state at the call is part of
    the estimate; the file's, further on, is then used)."""
    with monkeypatch.context() as m:
        interrupted_after(m, writes)
        with pytest.raises(Interrupt):
            estimate(decoder, x, start, path)
    return estimate(decoder, x, start, path)


@pytest.mark.parametrize('with_start', [True, False])
def test_interrupted_anywhere_then_called_again_equals_uninterrupted(
        tmp_path, monkeypatch, with_start):
    decoder, x, start = make()
    start = start if with_start else None
    want, want_rate = estimate(decoder, x, start)
    # Writing the progress does not change the estimate.
    got, rate = estimate(decoder, x, start, str(tmp_path / 'whole.npz'))
    numpy.testing.assert_array_equal(got, want)
    assert rate == want_rate
    # 1 write at the start, 29 per batch inside it, 1 after each batch.
    rng = random.Random(1)
    for writes in [1, 2, 30, 31, 32, 61, 62, 63] + rng.sample(range(3, 91),
                                                              5):
        path = str(tmp_path / 'p{}.npz'.format(writes))
        got, rate = interrupted_then_again(monkeypatch, decoder, x, start,
                                           path, writes)
        numpy.testing.assert_array_equal(got, want, err_msg=str(writes))
        assert rate == want_rate
        # Finished: called again, the file gives the same, computing nothing.
        with monkeypatch.context() as m:
            m.setattr('vae_avb.evaluation.ais._ais_batch', None)
            again, _ = estimate(decoder, x, start, path)
        numpy.testing.assert_array_equal(again, want)


def test_interrupted_twice_in_one_batch(tmp_path, monkeypatch):
    decoder, x, start = make()
    want, _ = estimate(decoder, x, start)
    path = str(tmp_path / 'p.npz')
    for writes in (5, 3, 20):
        with monkeypatch.context() as m:
            interrupted_after(m, writes)
            with pytest.raises(Interrupt):
                estimate(decoder, x, start, path)
    got, _ = estimate(decoder, x, start, path)
    numpy.testing.assert_array_equal(got, want)


KILLED = textwrap.dedent('''
    import sys
    import numpy
    sys.path.insert(0, {root!r})
    from tests.evaluation_tests.test_ais_checkpoint import make
    from vae_avb.evaluation import ais_log_likelihood
    decoder, x, start = make()
    numpy.random.seed(5)
    log_px = ais_log_likelihood(decoder, x, 400, 3, 0.05, 8, start=start,
                                batch_size=3, checkpoint={path!r},
                                checkpoint_every=0)
    numpy.save({result!r}, log_px)
''')


def run_killable(tmp_path, name, path, kill_after=None):
    result = str(tmp_path / (name + '.npy'))
    process = subprocess.Popen(
        [sys.executable, '-c', KILLED.format(root=ROOT, path=path,
                                             result=result)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_after is None:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        return numpy.load(result)
    ready, delay = kill_after
    while process.poll() is None and not ready():
        pass
    import time
    time.sleep(delay)
    killed = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    return killed


def test_sigkill_at_random_moments_then_again_equals_uninterrupted(
        tmp_path):
    want = run_killable(tmp_path, 'want', str(tmp_path / 'straight.npz'))
    path = str(tmp_path / 'killed.npz')
    rng = random.Random(7)
    kills = [run_killable(tmp_path, 'k0', path, (lambda: True, 0.5))]
    for k in range(4):
        kills.append(run_killable(tmp_path, 'k', path, (
            lambda: os.path.exists(path), rng.uniform(0, 1.5))))
    assert sum(kills) >= 3, kills
    assert not os.path.exists(str(tmp_path / 'k.npy'))
    got = run_killable(tmp_path, 'got', path)
    numpy.testing.assert_array_equal(got, want)
    leftovers = [f for f in os.listdir(str(tmp_path)) if f.endswith('.tmp')]
    assert len(leftovers) <= len(kills)  # Torn temporaries, never the file.


def refused(decoder, x, start, path, match, **kwargs):
    before = open(path, 'rb').read() if os.path.isfile(path) else None
    with pytest.raises(AISCheckpointError, match=match) as info:
        estimate(decoder, x, start, path, **kwargs)
    message = str(info.value)
    assert '\n' not in message and path in message
    if info.value.foreign:
        # Not a progress file (a folder, another program's file): the fix
        # is another path, never deleting what is not the estimate's.
        assert 'is not an AIS progress file' in message
        assert 'delete' not in message and 'another path' in message
    else:
        assert 'delete it' in message
    if before is not None:
        assert open(path, 'rb').read() == before  # Left as it was.


@pytest.fixture
def half_done(tmp_path, monkeypatch):
    """A progress file interrupted inside the second batch."""
    decoder, x, start = make()
    path = str(tmp_path / 'p.npz')
    with monkeypatch.context() as m:
        interrupted_after(m, 40)
        with pytest.raises(Interrupt):
            estimate(decoder, x, start, path)
    return decoder, x, start, path


def test_another_estimate_is_refused(half_done):
    decoder, x, start, path = half_done
    refused(decoder, x, start, path, 'other settings', n_temperatures=31)
    refused(decoder, x, start, path, 'other settings', batch_size=4)
    refused(decoder, x, None, path, 'other settings')
    refused(decoder, x, start, path, 'another random state', seed=6)
    refused(decoder, 1 - x, start, path, 'other images')
    refused(decoder, x, (start[0] + 1, start[1] * 2), path,
            'another start distribution')
    decoder.mlp[0].W.array[0, 0] += 1e-6
    refused(decoder, x, start, path, 'another model')


def rewrite(path, **changes):
    with numpy.load(path) as f:
        arrays = {key: f[key] for key in f.files}
    for key, value in changes.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    numpy.savez(path, **arrays)


@pytest.mark.parametrize('change, match', [
    (dict(u=numpy.full((12, 3), numpy.nan, numpy.float32)), 'NaN or inf'),
    (dict(u=numpy.zeros((12, 2), numpy.float32)), 'u is float32'),
    (dict(u=numpy.zeros((12, 3), numpy.float64)), 'u is float64'),
    (dict(log_w=numpy.zeros(11)), 'log_w'),
    (dict(steps=numpy.zeros((12, 1), numpy.float32)), 'step of 0'),
    (dict(temperature=numpy.int64(30)), 'temperature 30 of 30'),
    (dict(temperature=numpy.int64(0)), 'temperature 0'),
    (dict(temperature=numpy.float64(5)), 'temperature is float64'),
    (dict(log_px=numpy.zeros(4)), '4 finished images'),
    (dict(batches=numpy.int64(2)), '2 batches for 3 images'),
    (dict(acceptance=numpy.float64(-0.5)), 'acceptance rate'),
    (dict(batch_acceptance=numpy.float64(99.)), 'acceptance rate'),
    (dict(log_px=numpy.zeros(3, numpy.float16)), 'log_px is float16'),
    (dict(extra=numpy.zeros(3)), "holds an entry 'extra.npy'"),
    (dict(u=numpy.zeros((1200, 3), numpy.float32)), "declares an entry 'u'"),
    (dict(temperature=None), 'part of a batch in progress'),
    (dict(rng_key=numpy.zeros(624, numpy.uint32)),
     'random state out of range'),
    (dict(rng_has_gauss=numpy.int64(2)), 'random state out of range'),
    (dict(rng_gauss=None), 'no entry rng_gauss'),
    (dict(fingerprint_random=numpy.zeros(32, numpy.uint8)),
     'another random state'),
    (dict(format=numpy.int64(2)), 'format 2'),
    (dict(fingerprint_model=numpy.zeros(31, numpy.uint8)),
     'fingerprint_model'),
    (dict(rng_pos=numpy.int64(999)), 'random state out of range'),
    (dict(rng_key=numpy.zeros(3, numpy.uint32)), 'rng_key'),
    (dict(u=numpy.array(['a'] * 36).reshape(12, 3)), 'not numbers'),
    (dict(seconds=numpy.float64(numpy.nan)), 'NaN or inf in seconds'),
    (dict(seconds=numpy.float64(-1.)), '-1 seconds spent, below 0'),
    (dict(seconds=numpy.int64(5)), 'seconds is int64'),
    (dict(seconds=numpy.zeros(2)), 'seconds is float64 \\(2,\\)'),
])
def test_crafted_files_are_refused(half_done, change, match):
    decoder, x, start, path = half_done
    rewrite(path, **change)
    refused(decoder, x, start, path, match)


def test_pickles_torn_and_foreign_files_are_refused(half_done, tmp_path):
    decoder, x, start, path = half_done
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    refused(decoder, x, start, path, 'damaged or not an .npz archive')
    with open(path, 'wb') as f:
        f.write(b'\x80\x04garbage')
    refused(decoder, x, start, path, 'not an .npz')
    numpy.save(path + '.npy', numpy.zeros(3))
    os.replace(path + '.npy', path)
    refused(decoder, x, start, path, 'not an .npz')
    numpy.savez(path, u=numpy.array([{'a': 1}], dtype=object))
    refused(decoder, x, start, path, 'holds pickled objects')  # Not loaded.
    with open(path, 'wb') as f:
        pass
    refused(decoder, x, start, path, 'not an .npz')
    os.remove(path)
    os.mkdir(path)
    refused(decoder, x, start, path, 'is a folder')
    os.rmdir(path)
    os.symlink(str(tmp_path / 'nowhere'), path)
    refused(decoder, x, start, path, 'symbolic link')


def test_links_are_refused(half_done, tmp_path):
    decoder, x, start, path = half_done
    target = str(tmp_path / 'target.npz')
    os.replace(path, target)
    os.symlink(target, path)
    refused(decoder, x, start, path, 'symbolic link')
    assert open(target, 'rb').read()[:2] == b'PK'


def test_infinite_values_the_estimate_makes_resume(tmp_path, monkeypatch):
    """float16 with large weights: -inf log-likelihoods and overflowing
    gradients are the estimate's own, not damage (found by the hostile
    review of 2026-12-06: every resume was refused)."""
    numpy.random.seed(0)
    with chainer.using_config('dtype', numpy.float16):
        decoder = BernoulliDecoder(3, 784, 16, 1)
    assert decoder.dtype == numpy.float16
    for param in decoder.params():
        param.array *= 1000
    x = (numpy.random.rand(4, 784) < 0.5).astype(numpy.float32)
    want, _ = estimate(decoder, x, None)
    for writes in (2, 5, 12, 25):
        got, _ = interrupted_then_again(monkeypatch, decoder, x, None, str(
            tmp_path / 'p{}.npz'.format(writes)), writes)
        numpy.testing.assert_array_equal(got, want)


def test_temporaries_of_killed_writes_are_removed(half_done, tmp_path):
    decoder, x, start, path = half_done
    torn = str(tmp_path / '.p.npz.abc123.tmp')
    other = str(tmp_path / '.q.npz.abc123.tmp')
    for name in (torn, other):
        with open(name, 'wb') as f:
            f.write(b'PK')
    estimate(decoder, x, start, path)
    assert not os.path.exists(torn)
    assert os.path.exists(other)  # Another file's.


def test_bad_arguments(tmp_path):
    decoder, x, start = make()
    for every in (-1, float('nan'), float('inf')):
        with pytest.raises(ValueError, match='checkpoint_every'):
            ais_log_likelihood(decoder, x, checkpoint=str(tmp_path / 'p'),
                               checkpoint_every=every)
    for every in ('5', True, None, [1]):
        with pytest.raises(TypeError, match='checkpoint_every'):
            ais_log_likelihood(decoder, x, checkpoint=str(tmp_path / 'p'),
                               checkpoint_every=every)
    for path in (5, b'p', ['p'], ''):
        with pytest.raises(TypeError, match='checkpoint must be a file'):
            ais_log_likelihood(decoder, x, checkpoint=path)
    with pytest.raises(ValueError, match='does not exist'):
        ais_log_likelihood(decoder, x, checkpoint=str(
            tmp_path / 'missing' / 'p.npz'))
    assert not os.listdir(str(tmp_path))


def test_the_file_holds_plain_arrays_only(tmp_path):
    decoder, x, start = make()
    path = str(tmp_path / 'p.npz')
    estimate(decoder, x, start, path)
    with zipfile.ZipFile(path) as z:
        names = sorted(z.namelist())
    assert 'log_px.npy' in names and 'rng_key.npy' in names
    assert 'u.npy' not in names  # Finished: no batch in progress.
    with numpy.load(path, allow_pickle=False) as f:
        assert f['log_px'].shape == (7,)


def test_what_is_no_progress_file_is_never_to_be_deleted(tmp_path):
    """A folder, '/' or another program's .npz given as the checkpoint:
    not an AIS progress file, give another path (found by the hostile
    review of 2026-12-06: 'delete it to start the estimate afresh')."""
    decoder, x, start = make()
    numpy.savez(str(tmp_path / 'model.npz'), W=numpy.ones(3))
    os.mkdir(str(tmp_path / 'results'))
    for path in (str(tmp_path / 'model.npz'), str(tmp_path / 'results'),
                 '/'):
        with pytest.raises(AISCheckpointError) as info:
            estimate(decoder, x, start, path)
        message = str(info.value)
        assert info.value.foreign and '\n' not in message
        assert message.startswith('checkpoint {} is not an AIS progress '
                                  'file'.format(path)), message
        assert 'delete' not in message and 'give checkpoint another path' \
            in message
    assert numpy.load(str(tmp_path / 'model.npz'))['W'].tolist() == [1] * 3


def test_long_names_and_unwritable_folders(tmp_path):
    """A valid name of 254 characters works (the temporary name is cut to
    fit); a folder that cannot be written gives one line naming the
    checkpoint, not a temporary file (hostile review of 2026-12-06)."""
    decoder, x, start = make()
    want, _ = estimate(decoder, x, start)
    path = str(tmp_path / ('a' * 250 + '.npz'))
    got, _ = estimate(decoder, x, start, path)
    numpy.testing.assert_array_equal(got, want)
    assert os.listdir(str(tmp_path)) == [os.path.basename(path)]
    with pytest.raises(OSError) as info:
        estimate(decoder, x, start, '/proc/p.npz')
    assert info.value.filename == '/proc/p.npz'
    assert '.tmp' not in str(info.value) and '\n' not in str(info.value)


NAN = r'NaN or \+inf in '


@pytest.mark.parametrize('change, match', [
    (dict(log_px=numpy.array([numpy.nan, -1., -1.])), NAN + 'log_px'),
    (dict(log_px=numpy.array([-1., numpy.inf, -1.])), NAN + 'log_px'),
    (dict(log_w=numpy.full(12, numpy.nan)), NAN + 'log_w'),
    (dict(log_w=numpy.full(12, numpy.inf)), NAN + 'log_w'),
    (dict(log_f=numpy.full(12, numpy.nan)), NAN + 'log_f'),
    (dict(log_f=numpy.full(12, 5.)), 'log_f up to 5'),
])
def test_values_the_estimate_never_makes_are_refused(half_done, change,
                                                     match):
    """NaN and +inf (hostile review of 2026-12-06: returned as the
    result), and a log f(z) = log p(x|z) + log p(z) above 0."""
    decoder, x, start, path = half_done
    rewrite(path, **change)
    refused(decoder, x, start, path, match)


def test_from_the_prior_no_log_likelihood_exceeds_0(tmp_path, monkeypatch):
    """From the prior each weight is a product of p(x|z)^(b - b'), at
    most 1: a log p(x) or log-weight of 5 is no estimate's (from a
    Gaussian start one may be, and is not refused)."""
    decoder, x, _ = make()
    path = str(tmp_path / 'p.npz')
    for writes, key, value in ((31, 'log_px', numpy.array([5., -1., -1.])),
                               (40, 'log_w', numpy.full(12, 5.))):
        if os.path.exists(path):
            os.remove(path)
        with monkeypatch.context() as m:
            interrupted_after(m, writes)
            with pytest.raises(Interrupt):
                estimate(decoder, x, None, path)
        rewrite(path, **{key: value})
        refused(decoder, x, None, path, '{} up to 5'.format(key))


def test_the_same_images_in_another_dtype_resume(tmp_path, monkeypatch):
    """The images are fingerprinted as the estimate uses them (in the
    decoder's dtype): float64 or bool copies of float32 images are the
    same estimate (hostile review of 2026-12-06: 'other images')."""
    decoder, x, start = make()
    want, _ = estimate(decoder, x, start)
    for kind in (numpy.float64, bool):
        path = str(tmp_path / 'p_{}.npz'.format(numpy.dtype(kind).name))
        with monkeypatch.context() as m:
            interrupted_after(m, 40)
            with pytest.raises(Interrupt):
                estimate(decoder, x, start, path)
        got, _ = estimate(decoder, x.astype(kind), start, path)
        numpy.testing.assert_array_equal(got, want)


# fingerprint_data of make()'s float32 images, as written before the
# images were fingerprinted in the decoder's dtype: the progress files of
# the runs made then (Table 2's) must go on.
DATA_FINGERPRINT = ('abfcefe9a7544ed58bd7df39694ab59e'
                    '706bda55829710fb5187b0383f7f1acb')


def test_the_fingerprint_of_float32_images_is_unchanged(tmp_path):
    decoder, x, start = make()
    path = str(tmp_path / 'p.npz')
    estimate(decoder, x, start, path)
    with numpy.load(path) as f:
        assert bytes(f['fingerprint_data']).hex() == DATA_FINGERPRINT


def test_files_that_fingerprinted_the_images_as_passed_resume(
        tmp_path, monkeypatch):
    # Before 2026-12-06 the images were fingerprinted as passed (float64
    # here): such a file still goes on, and the estimate is the same.
    from vae_avb.evaluation.ais_checkpoint import data_fingerprint
    decoder, x, start = make()
    want, _ = estimate(decoder, x, start)
    x64 = x.astype(numpy.float64)
    path = str(tmp_path / 'p.npz')
    with monkeypatch.context() as m:
        interrupted_after(m, 40)
        with pytest.raises(Interrupt):
            estimate(decoder, x64, start, path)
    with numpy.load(path) as f:
        entries = {key: f[key] for key in f.files}
    entries['fingerprint_data'] = data_fingerprint(x64)
    numpy.savez(path, **entries)
    got, _ = estimate(decoder, x64, start, path)
    numpy.testing.assert_array_equal(got, want)


def test_a_start_that_differs_by_rounding_resumes(half_done):
    # The same run under another BLAS thread count: the encoder's start
    # rounds otherwise in its last bits, and the estimate went on afresh,
    # dropping the images done. The file keeps the start; within
    # START_RTOL it is the same estimate, the fingerprint now this one's.
    decoder, x, start, path = half_done
    with numpy.load(path) as f:
        done = f['log_px'].copy()
        numpy.testing.assert_array_equal(f['start_mean'], start[0])
        numpy.testing.assert_array_equal(f['start_std'], start[1])
    assert len(done) == 3
    rounded = tuple(numpy.nextafter(a, numpy.float32(numpy.inf)) for a in
                    start)
    assert not numpy.array_equal(rounded[0], start[0])
    whole = estimate(decoder, x, start)[0]
    again = estimate(decoder, x, rounded, path)[0]
    numpy.testing.assert_array_equal(again[:3], done)
    numpy.testing.assert_allclose(again, whole, rtol=1e-4)
    # A start beyond rounding is another estimate, refused as before.
    os.remove(path)
    with pytest.raises(Interrupt):
        with pytest.MonkeyPatch.context() as m:
            interrupted_after(m, 40)
            estimate(decoder, x, start, path)
    refused(decoder, x, (start[0] * (1 + 1e-3), start[1]), path,
            'another start distribution')
    # A crafted kept start of another shape is refused in one line.
    rewrite(path, start_mean=numpy.zeros((7, 2), numpy.float32))
    refused(decoder, x, rounded, path, 'start_mean is float32')


def test_the_seconds_spent_add_up_over_the_calls_and_skip_the_gaps(
        half_done, monkeypatch):
    """The file counts the seconds spent on the estimate, those of an
    interrupted call included, not the time between two calls (a run
    killed at night and resumed in the morning)."""
    import time
    from vae_avb.evaluation import recorded_seconds
    decoder, x, start, path = half_done
    first = recorded_seconds(path)
    assert first is not None and first >= 0
    rewrite(path, seconds=numpy.float64(5000.))  # Spent before.
    began = time.monotonic()
    estimate(decoder, x, start, path)
    spent = recorded_seconds(path)
    assert 5000. < spent <= 5000. + (time.monotonic() - began)
    # Called again with everything done, it computes nothing and the
    # seconds stay those of the estimate.
    estimate(decoder, x, start, path)
    assert recorded_seconds(path) == spent


def test_a_wall_clock_set_back_during_a_call_counts_no_negative_time(
        tmp_path, monkeypatch):
    """NTP stepping the clock back a day in the middle of the estimate
    (review of 0ed331e: the file said -9.9 seconds, and was then refused
    and its progress thrown away): the seconds are a monotonic clock's,
    the file resumes."""
    import time
    from vae_avb.evaluation import recorded_seconds
    decoder, x, start = make()
    want, _ = estimate(decoder, x, start)
    path = str(tmp_path / 'p.npz')
    wall = time.time
    stepped = [0.]

    def stepping_back():
        stepped[0] -= 3600.  # An hour back at each reading.
        return wall() + stepped[0]

    began = time.monotonic()
    with monkeypatch.context() as m:
        m.setattr(time, 'time', stepping_back)
        with monkeypatch.context() as interrupting:
            interrupted_after(interrupting, 40)
            with pytest.raises(Interrupt):
                estimate(decoder, x, start, path)
        assert 0 <= recorded_seconds(path) <= time.monotonic() - began
        got, _ = estimate(decoder, x, start, path)
    numpy.testing.assert_array_equal(got, want)
    assert 0 < recorded_seconds(path) <= time.monotonic() - began


def test_files_without_the_seconds_resume_and_count_from_then(half_done):
    """A file written before 2026-12-07 keeps no seconds: it goes on as
    before and counts the seconds from there."""
    import time
    from vae_avb.evaluation import recorded_seconds
    decoder, x, start, path = half_done
    want, _ = estimate(*make())
    rewrite(path, seconds=None)
    assert recorded_seconds(path) is None
    began = time.monotonic()
    got, _ = estimate(decoder, x, start, path)
    numpy.testing.assert_array_equal(got, want)
    assert 0 <= recorded_seconds(path) <= time.monotonic() - began


def test_recorded_seconds_reads_nothing_but_its_two_scalars(
        half_done, monkeypatch):
    """What is no progress file with seconds says nothing (None), in no
    time and memory: a link, a folder, a torn file, another format, a
    float32 or infinite entry; a few compressed bytes declaring a large
    entry are refused before they unpack (review of 0ed331e: 512 MiB)."""
    from vae_avb.evaluation import recorded_seconds
    from vae_avb.utils import archive
    decoder, x, start, path = half_done  # A batch in progress: big entries.
    assert recorded_seconds(path) >= 0
    folder = os.path.dirname(path)

    def at(name):
        return os.path.join(folder, name)

    os.symlink(path, at('link.npz'))
    with open(at('torn.npz'), 'wb') as f:
        f.write(open(path, 'rb').read()[:100])
    for name, entries in [
            ('float32.npz', dict(seconds=numpy.float32(5.))),
            ('inf.npz', dict(seconds=numpy.float64(numpy.inf))),
            ('negative.npz', dict(seconds=numpy.float64(-1.))),
            ('vector.npz', dict(seconds=numpy.zeros(1))),
            ('format2.npz', dict(format=numpy.int64(2))),
            ('no_format.npz', dict(format=None))]:
        arrays = dict(format=numpy.int64(1), seconds=numpy.float64(5.))
        arrays.update(entries)
        numpy.savez(at(name), **{k: v for k, v in arrays.items()
                                 if v is not None})
    numpy.savez_compressed(at('bomb.npz'), format=numpy.int64(1),
                           seconds=numpy.zeros(2 ** 24))
    unpacked = []
    read_entry = archive._read_entry
    monkeypatch.setattr(archive, '_read_entry', lambda z, info: (
        unpacked.append(info.filename), read_entry(z, info))[1])
    for name in ('missing.npz', 'link.npz', 'torn.npz', 'float32.npz',
                 'inf.npz', 'negative.npz', 'vector.npz', 'format2.npz',
                 'no_format.npz', 'bomb.npz', ''):
        assert recorded_seconds(at(name)) is None, name
    # The bomb (128 MiB declared) was refused before unpacking anything.
    unpacked.clear()
    assert recorded_seconds(at('bomb.npz')) is None
    assert unpacked == []
    numpy.savez(at('zero.npz'), format=numpy.int64(1),
                seconds=numpy.float64(-0.))
    seconds = recorded_seconds(at('zero.npz'))
    assert seconds == 0 and numpy.copysign(1., seconds) == 1.
    import pathlib
    assert recorded_seconds(pathlib.Path(path)) >= 0
    for wrong in (None, 3, b'p.npz', [path]):
        with pytest.raises(TypeError, match='path must be a file path'):
            recorded_seconds(wrong)
