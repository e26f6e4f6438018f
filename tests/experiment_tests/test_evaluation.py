"""The scripts' evaluations: the same numbers as the library's, with a
line of progress per step."""
import io

import numpy

from vae_avb.evaluation import importance_weighted_log_likelihood
from vae_avb.experiment import iwae_with_progress
from vae_avb.links import VAE


def test_iwae_with_progress_is_one_call_with_lines(tmp_path):
    vae = VAE.mlp(784, 3, 16)
    x = numpy.random.uniform(size=(250, 784)).astype(numpy.float32)
    numpy.random.seed(5)
    expected = importance_weighted_log_likelihood(vae, x, k=7)
    numpy.random.seed(5)
    stream = io.StringIO()
    got = iwae_with_progress(vae, x, 7, chunk=120, stream=stream)
    # The same draws in the same order: bit-identical.
    numpy.testing.assert_array_equal(got, expected)
    lines = stream.getvalue().splitlines()
    # chunk 120 rounds down to whole batches of 100.
    assert [line.split(': ')[1].split(' ')[0] for line in lines] == [
        '100/250', '200/250', '250/250']
    assert lines[0].startswith('log-likelihood (k = 7): ')


def ais_args(**changes):
    import argparse
    return argparse.Namespace(**dict(
        dict(ais_temperatures=4, ais_leapfrog=1, ais_step=0.1,
             ais_chains=2, ais_adapt=True, ais_batch_size=2), **changes))


def tiny_ais_model():
    """A prior-start method and a small decoder for run_ais."""
    import types
    from vae_avb.links import BernoulliDecoder
    method = types.SimpleNamespace(ais_start=lambda model, x: None,
                                   ais_start_name='prior')
    numpy.random.seed(0)
    model = types.SimpleNamespace(decoder=BernoulliDecoder(2, 4, 8))
    return method, model, numpy.eye(4, dtype=numpy.float32)


def test_run_ais_keeps_the_progress_of_other_flags_unless_told(tmp_path,
                                                               capsys):
    """evaluate_avb.py (replace=False) refuses a progress file of other
    flags in --out, as it refuses its other files there (hostile review
    of 2026-12-06: it was deleted); a training run's own folder replaces
    it, with a line."""
    import os
    import pytest
    from vae_avb.experiment import run_ais
    from vae_avb.experiment import UsageError
    method, model, x = tiny_ais_model()
    out = str(tmp_path)
    run_ais(ais_args(), method, model, x, out=out)
    path = os.path.join(out, 'ais_progress.npz')
    kept = open(path, 'rb').read()
    for changed in (ais_args(ais_temperatures=5), ais_args()):
        numpy.random.seed(1)  # Another --seed, too.
        with pytest.raises(UsageError) as info:
            run_ais(changed, method, model, x, out=out, replace=False)
        message = str(info.value)
        assert 'holds the AIS progress of an evaluation with other ' \
            'settings' in message and 'give another --out, or the same ' \
            'flags' in message and '\n' not in message
        assert open(path, 'rb').read() == kept
    with open(path, 'wb') as f:
        f.write(b'torn')
    with pytest.raises(UsageError, match='AIS progress file this '
                       'evaluation cannot use'):
        run_ais(ais_args(), method, model, x, out=out, replace=False)
    assert open(path, 'rb').read() == b'torn'
    capsys.readouterr()
    run_ais(ais_args(), method, model, x, out=out)  # train_avb.py's.
    assert 'starting the estimate afresh' in capsys.readouterr().err


def test_run_ais_counts_the_seconds_of_the_runs_killed_before(tmp_path):
    """As the training seconds include those before a resume, the AIS
    seconds of a resumed estimate include those of the run killed during
    it (Table 2's AIS column read 200 s for an hour's estimate resumed
    near its end); a progress file of other flags, replaced, counts
    nothing."""
    import os
    import time
    import types
    from vae_avb.experiment import run_ais
    method, model, x = tiny_ais_model()
    out = str(tmp_path)
    path = os.path.join(out, 'ais_progress.npz')
    numpy.random.seed(3)
    want, _ = run_ais(ais_args(), method, model, x, out=out)
    # As a run killed after its first batch (of 2) leaves it, after an
    # hour's work.
    with numpy.load(path) as f:
        entries = {key: f[key] for key in f.files}
    entries.update(log_px=entries['log_px'][:2], batches=numpy.int64(1),
                   acceptance=entries['acceptance'] / 2,
                   seconds=numpy.float64(3600.))
    numpy.savez(path, **entries)
    numpy.random.seed(3)
    began = time.time()
    _, metrics = run_ais(ais_args(), method, model, x, out=out)
    assert 3600. < metrics['ais']['seconds'] <= 3600. + time.time() - began
    # Another estimate's file is replaced: its hour is not this one's.
    numpy.random.seed(3)
    began = time.time()
    _, metrics = run_ais(ais_args(ais_temperatures=5), method, model, x,
                         out=out)
    assert 0 < metrics['ais']['seconds'] <= time.time() - began
    # Without a progress file, the seconds of the call.
    _, metrics = run_ais(ais_args(), method, model, x)
    assert 0 < metrics['ais']['seconds'] < 60
    # The start (an encoder pass) counts, with or without a file (review
    # of 0ed331e: with one, only the time inside the estimate did).
    slow = types.SimpleNamespace(ais_start=lambda model, x: time.sleep(0.5),
                                 ais_start_name='prior')
    for where in (None, str(tmp_path / 'slow')):
        if where:
            os.mkdir(where)
        _, metrics = run_ais(ais_args(), slow, model, x, out=where)
        assert metrics['ais']['seconds'] >= 0.5


def test_out_of_memory_names_each_scripts_flags(monkeypatch, capsys):
    import sys
    import pytest
    from vae_avb.experiment import run_main

    def main(argv):
        raise MemoryError()

    for script, flags in (
            ('examples/mnist/evaluate_avb.py',
             '(--ais-batch-size, --ais-chains)'),
            ('examples/mnist/train_avb.py', '--ais-chains'),
            ('examples/mnist/train_vae.py', '--eval-k'),
            ('elsewhere/script.py', 'the batch sizes')):
        monkeypatch.setattr(sys, 'argv', [script])
        with pytest.raises(SystemExit):
            run_main(main, [])
        err = capsys.readouterr().err.strip()
        assert flags in err and 'out of memory' in err, err
        if 'evaluate' in script:
            assert '--eval-k' not in err and '--batch-size' not in err


def test_a_nan_estimate_ends_a_script_as_a_diverged_run():
    """NaN log p(x) (float16 overflowing) is a NonFiniteLossError to the
    scripts: one line, exit 1."""
    import chainer
    import pytest
    from vae_avb.evaluation import NonFiniteEstimateError
    from vae_avb.training import NonFiniteLossError
    numpy.random.seed(0)
    with chainer.using_config('dtype', numpy.float16):
        vae = VAE.mlp(784, 3, 16)
    for param in vae.params():
        param.array *= 1000
    x = (numpy.random.rand(4, 784) < 0.5).astype(numpy.float16)
    with pytest.raises(NonFiniteEstimateError):
        importance_weighted_log_likelihood(vae, x, k=3)
    with pytest.raises(NonFiniteLossError, match='float16 overflows'):
        iwae_with_progress(vae, x, 3, stream=io.StringIO())
