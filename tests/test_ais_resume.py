"""A run killed during its AIS estimate goes on where it was.

``train_avb.py`` killed (SIGKILL) inside AIS, even twice, then run with
``--resume``, and ``evaluate_avb.py`` killed, then run again with the
same command, end with the numbers of runs never killed; a progress file
of other ``--ais-*`` flags, or a damaged one, is replaced with one line.
"""
import json
import os
import shutil
import signal
import textwrap

import numpy
import pytest

from tests.test_runs_survive import AVB_MNIST
from tests.test_runs_survive import run_in_process
from tests.test_runs_survive import start

EVALUATE = 'examples/mnist/evaluate_avb.py'
# AIS on 10 images in batches of 4, 20 temperatures: 61 progress writes
# when every temperature writes one.
AIS = ['--ais-size', '10', '--ais-temperatures', '20', '--ais-batch-size',
       '4']
TRAIN = ['--test', '--adaptive-contrast', '--dim-z', '4'] + AIS
# Writes the progress after every temperature and dies at the n-th write.
KILL_AT_WRITE = textwrap.dedent('''
    import os, signal
    import vae_avb.experiment.evaluation as evaluation
    import vae_avb.evaluation.ais_checkpoint as checkpoint
    evaluation.AIS_PROGRESS_SECONDS = 0
    real = checkpoint.AISProgress.save
    count = [0]

    def save(self, batch, force=False):
        real(self, batch, force)
        count[0] += 1
        if count[0] == {writes}:
            os.kill(os.getpid(), signal.SIGKILL)

    checkpoint.AISProgress.save = save
''')


def without_times(metrics):
    metrics = dict(metrics)
    metrics.pop('train_seconds', None)
    metrics['ais'] = {k: v for k, v in metrics['ais'].items()
                      if k != 'seconds'}
    return metrics


def results(out, name='metrics.json'):
    with open(os.path.join(out, name)) as f:
        metrics = json.load(f)
    return without_times(metrics), numpy.load(
        os.path.join(out, 'ais_log_px.npy'))


def killed(script, argv, writes):
    process = start(script, argv, KILL_AT_WRITE.format(writes=writes))
    _, err = process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL, err.decode()


@pytest.fixture(scope='module')
def straight(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('ais') / 'straight')
    run_in_process(AVB_MNIST, TRAIN + ['--out', out])
    return out


def test_train_avb_killed_twice_inside_ais_resumes_exactly(straight,
                                                           tmp_path):
    out = str(tmp_path / 'killed')
    killed(AVB_MNIST, TRAIN + ['--out', out], 27)  # In the 2nd batch.
    assert os.path.isfile(os.path.join(out, 'ais_progress.npz'))
    assert not os.path.exists(os.path.join(out, 'metrics.json'))
    killed(AVB_MNIST, TRAIN + ['--out', out, '--resume'], 25)  # The 3rd.
    run_in_process(AVB_MNIST, TRAIN + ['--out', out, '--resume'])
    want_metrics, want_px = results(straight)
    got_metrics, got_px = results(out)
    numpy.testing.assert_array_equal(got_px, want_px)
    assert got_metrics == want_metrics


def test_evaluate_avb_killed_then_again_equals_uninterrupted(straight,
                                                             tmp_path):
    run = str(tmp_path / 'run')
    shutil.copytree(straight, run)
    argv = [run] + AIS + ['--ais-temperatures', '15', '--seed', '3']
    run_in_process(EVALUATE, argv + ['--out', str(tmp_path / 'whole')])
    out = str(tmp_path / 'killed')
    killed(EVALUATE, argv + ['--out', out], 40)
    run_in_process(EVALUATE, argv + ['--out', out])
    want = results(str(tmp_path / 'whole'), 'evaluation.json')
    got = results(out, 'evaluation.json')
    numpy.testing.assert_array_equal(got[1], want[1])
    assert got[0]['ais_log_likelihood'] == want[0]['ais_log_likelihood']


def test_evaluate_avb_killed_before_its_last_file(straight, tmp_path):
    # Killed between ais_log_px.npy and evaluation.json: the same command
    # finishes from the (finished) progress file (found by the hostile
    # review of 2026-12-06: refused as a folder holding ais_log_px.npy).
    argv = [straight] + AIS + ['--seed', '3', '--out', str(tmp_path / 'e')]
    run_in_process(EVALUATE, argv)
    want = results(str(tmp_path / 'e'), 'evaluation.json')
    os.remove(str(tmp_path / 'e' / 'evaluation.json'))
    run_in_process(EVALUATE, argv)
    got = results(str(tmp_path / 'e'), 'evaluation.json')
    numpy.testing.assert_array_equal(got[1], want[1])
    assert got[0]['ais_log_likelihood'] == want[0]['ais_log_likelihood']


def test_progress_of_other_flags_or_damaged_is_replaced(straight, tmp_path,
                                                        capsys):
    out = str(tmp_path / 'killed')
    killed(AVB_MNIST, TRAIN + ['--out', out], 30)
    progress = os.path.join(out, 'ais_progress.npz')
    kept = str(tmp_path / 'kept.npz')
    shutil.copy(progress, kept)
    capsys.readouterr()
    # Other AIS flags on resume: the earlier estimate is not theirs.
    run_in_process(AVB_MNIST, TRAIN + ['--out', out, '--resume',
                                       '--ais-temperatures', '12'])
    err = capsys.readouterr().err
    assert err.count('holds an estimate of other settings') == 1, err
    assert 'starting the estimate afresh' in err
    metrics, _ = results(out)
    assert metrics['ais']['temperatures'] == 12
    # Damaged: replaced as well.
    os.remove(os.path.join(out, 'metrics.json'))
    with open(progress, 'wb') as f:
        f.write(open(kept, 'rb').read()[:500])
    run_in_process(AVB_MNIST, TRAIN + ['--out', out, '--resume'])
    err = capsys.readouterr().err
    assert 'is damaged or not an .npz archive' in err, err
    want_metrics, want_px = results(straight)
    got_metrics, got_px = results(out)
    numpy.testing.assert_array_equal(got_px, want_px)


def test_a_fresh_run_ignores_what_a_killed_one_left(straight, tmp_path,
                                                    capsys):
    out = str(tmp_path / 'again')
    killed(AVB_MNIST, TRAIN + ['--out', out, '--seed', '1'], 30)
    # Its snapshots gone (a fresh run would refuse them), its AIS progress
    # is all that is left.
    for name in os.listdir(out):
        if name.startswith('snapshot_'):
            os.remove(os.path.join(out, name))
    assert os.path.isfile(os.path.join(out, 'ais_progress.npz'))
    capsys.readouterr()
    run_in_process(AVB_MNIST, TRAIN + ['--out', out])  # Not --resume.
    assert 'AIS progress' not in capsys.readouterr().err
    want_metrics, want_px = results(straight)
    got_metrics, got_px = results(out)
    numpy.testing.assert_array_equal(got_px, want_px)
    assert got_metrics == want_metrics


def test_a_folder_where_the_progress_goes_is_one_line(tmp_path, capsys):
    from vae_avb.experiment import run_main
    from tests.test_examples import load_example
    out = str(tmp_path / 'run')
    os.makedirs(os.path.join(out, 'ais_progress.npz'))
    with pytest.raises(SystemExit) as info:
        run_main(load_example(AVB_MNIST).main, TRAIN + ['--out', out,
                                                        '--epoch', '1'])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    # Refused before the training (it was met at the AIS, after it).
    assert len(err) == 1 and 'holds a folder named ais_progress.npz, where ' \
        'this script writes a file; move it out of the way' in err[0], err
    assert sorted(os.listdir(out)) == ['ais_progress.npz']


def test_evaluate_avb_a_folder_where_the_progress_goes_is_one_line(
        straight, tmp_path, capsys):
    from vae_avb.experiment import run_main
    from tests.test_examples import load_example
    out = str(tmp_path / 'e')
    os.makedirs(os.path.join(out, 'ais_progress.npz'))
    with pytest.raises(SystemExit) as info:
        run_main(load_example(EVALUATE).main, [straight] + AIS + [
            '--out', out])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'is a folder, where the AIS progress file' \
        in err[0], err


def test_evaluate_avb_refuses_the_progress_of_other_flags(straight,
                                                          tmp_path):
    """Killed, then run into the same --out with another --seed or other
    --ais-* flags: refused in one line, the progress kept (hostile review
    of 2026-12-06: deleted); the same command then finishes it, and the
    evaluation records the images it ran on."""
    from vae_avb.experiment import UsageError
    from tests.test_examples import load_example
    out = str(tmp_path / 'e')
    argv = [straight] + AIS + ['--seed', '3', '--out', out]
    killed(EVALUATE, argv, 40)
    progress = os.path.join(out, 'ais_progress.npz')
    kept = open(progress, 'rb').read()
    for other in (['--seed', '4'], ['--ais-chains', '4']):
        with pytest.raises(UsageError) as info:
            run_in_process(EVALUATE, argv + other)
        message = str(info.value)
        assert 'holds the AIS progress of an evaluation with other ' \
            'settings' in message and '\n' not in message, message
        assert open(progress, 'rb').read() == kept
    run_in_process(EVALUATE, argv)
    with open(os.path.join(out, 'evaluation.json')) as f:
        evaluation = json.load(f)
    assert evaluation['test_images'] == {'data': 'MNIST',
                                         'binarize': 'dynamic', 'seed': 0}
    # Paired with the run it evaluated (the same images, other draws).
    text = load_example('examples/mnist/compare_runs.py').main([straight,
                                                                out])
    assert '| {} |'.format(out) in text


def test_evaluate_avb_help_names_every_ais_flag(capsys):
    from tests.test_examples import load_example
    with pytest.raises(SystemExit) as info:
        load_example(EVALUATE).parse_args(['--help'])
    assert info.value.code == 0
    text = ' '.join(capsys.readouterr().out.split())
    for flag, default in (('--ais-temperatures', 2000),
                          ('--ais-leapfrog', 10), ('--ais-chains', 8)):
        after = text.split(flag.upper()[2:].replace('-', '_') + ' ', 2)[-1]
        assert after.split(' --')[0].count('default {}'.format(default)), \
            (flag, after[:200])
