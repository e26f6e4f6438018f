"""examples/mnist/compare_runs.py: paired AIS differences between runs."""
import json
import os

import numpy
import pytest

from tests.test_examples import load_example
from vae_avb.experiment import UsageError
from vae_avb.experiment import write_json
from vae_avb.methods import MethodConfig
from vae_avb.methods import MLPNetworks

AIS = {'images': 4, 'temperatures': 10, 'leapfrog': 5, 'step': 0.01,
       'chains': 8, 'adapt': True, 'acceptance': 0.7, 'seconds': 1.0}


def fake_run(folder, log_px, ais=AIS, method='avb_ac', dim_z=32, seed=None,
             **networks):
    """A folder as train_avb.py leaves it: metrics, estimates and the
    method's configuration."""
    os.makedirs(folder)
    config = MethodConfig(method=method, dim_z=dim_z,
                          networks=MLPNetworks(**networks))
    write_json(os.path.join(folder, 'method.json'), config.to_dict())
    metrics = {'model': 'AVB + AC (32-dim)', 'ais': ais,
               'ais_log_likelihood': float(numpy.mean(log_px))}
    if seed is not None:  # train_avb.py's --seed, which drew the images.
        metrics['seed'] = seed
        write_json(os.path.join(folder, 'args.json'), {'seed': seed})
    with open(os.path.join(folder, 'metrics.json'), 'w') as f:
        json.dump(metrics, f)
    numpy.save(os.path.join(folder, 'ais_log_px.npy'),
               numpy.asarray(log_px, dtype=numpy.float64))
    return folder


def row(text, folder):
    return next(line for line in text.splitlines()
                if line.startswith('| ' + folder + ' |'))


def test_paired_difference_and_settings(tmp_path):
    module = load_example('examples/mnist/compare_runs.py')
    base_px = [-90., -100., -80., -95.]
    other_px = [-89., -98., -80.5, -94.]
    base = fake_run(str(tmp_path / 'base'), base_px)
    other = fake_run(str(tmp_path / 'big'), other_px, adversary_dim_h=1024,
                     method='avb')
    text = module.main([base, other, '--out', str(tmp_path / 'cmp')])
    d = numpy.subtract(other_px, base_px)
    expected = '{:+.2f} +- {:.2f}'.format(d.mean(),
                                          d.std(ddof=1) / numpy.sqrt(4))
    line = row(text, other)
    assert expected in line
    assert '--adversary-dim-h 1024' in line
    assert '--method avb' in line
    # Settings plain AVB does not use (the contrast's) and those that are
    # equal are no difference.
    assert '--contrast' not in line and '--n-basis' not in line
    assert '--dim-z' not in line
    assert '-91.25 +- ' in row(text, base) and 'baseline' in row(text, base)
    with open(str(tmp_path / 'cmp' / 'comparison.md')) as f:
        assert f.read() == text


def test_evaluation_folder_takes_its_runs_settings(tmp_path):
    module = load_example('examples/mnist/compare_runs.py')
    base = fake_run(str(tmp_path / 'base'), [-90., -91., -92., -93.])
    run = fake_run(str(tmp_path / 'run'), [-80., -81., -82., -83.],
                   dim_z=8)
    evaluation = str(tmp_path / 'run' / 'eval')
    os.makedirs(evaluation)
    with open(os.path.join(evaluation, 'evaluation.json'), 'w') as f:
        json.dump({'model': 'AVB + AC (8-dim)', 'run': run, 'ais': AIS,
                   'ais_log_likelihood': -86.5}, f)
    numpy.save(os.path.join(evaluation, 'ais_log_px.npy'),
               numpy.array([-85., -86., -87., -88.]))
    line = row(module.main([base, evaluation]), evaluation)
    assert '+5.00 +- 0.00' in line and '--dim-z 8' in line


@pytest.mark.parametrize('change, message', [
    ({'leapfrog': 6}, 'different AIS settings'),
    # A crafted file: the count in its metrics is not its estimates'.
    ({'images': 5}, 'but its metrics say 5 images'),
    ({'temperatures': 20}, 'different AIS settings'),
])
def test_refuses_runs_that_cannot_be_paired(tmp_path, change, message):
    module = load_example('examples/mnist/compare_runs.py')
    base = fake_run(str(tmp_path / 'base'), [-90.] * 4)
    other = fake_run(str(tmp_path / 'other'), [-90.] * 4,
                     ais=dict(AIS, **change))
    with pytest.raises(UsageError, match=message):
        module.main([base, other])


def test_refuses_unfinished_and_mismatched_runs(tmp_path):
    module = load_example('examples/mnist/compare_runs.py')
    base = fake_run(str(tmp_path / 'base'), [-90.] * 4)
    short = fake_run(str(tmp_path / 'short'), [-90.] * 3)
    with pytest.raises(UsageError, match='shape .3,., but its metrics say 4'):
        module.main([base, short])
    os.makedirs(str(tmp_path / 'unfinished'))
    with pytest.raises(UsageError, match='is the run finished'):
        module.main([base, str(tmp_path / 'unfinished')])
    with pytest.raises(UsageError, match='is not a folder'):
        module.main([base, str(tmp_path / 'missing')])


def test_needs_two_runs(capsys):
    module = load_example('examples/mnist/compare_runs.py')
    with pytest.raises(SystemExit) as e:
        module.main(['only_one'])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'at least one run' in err


def test_the_same_run_twice_is_refused(tmp_path, capsys):
    module = load_example('examples/mnist/compare_runs.py')
    base = fake_run(str(tmp_path / 'base'), [-90.] * 4)
    other = fake_run(str(tmp_path / 'other'), [-91.] * 4)
    link = str(tmp_path / 'link')
    os.symlink(other, link)
    for runs in ([base, base], [base, other, base + os.sep],
                 [base, other, os.path.join(str(tmp_path), '.', 'other')],
                 [other, link]):
        with pytest.raises(SystemExit) as e:
            module.main(runs)
        assert e.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and 'are the same run' in err
    # Two runs that differ are still compared.
    assert '-1.00 +- 0.00' in row(module.main([base, other]), other)


def test_settings_a_vae_does_not_use_are_no_difference(tmp_path):
    module = load_example('examples/mnist/compare_runs.py')
    base = fake_run(str(tmp_path / 'ac_big'), [-89., -90., -91., -92.],
                    adversary_dim_h=1024, adversary_layers=3)
    vae = fake_run(str(tmp_path / 'vae'), [-90., -91., -92., -93.],
                   method='vae', adversary_dim_h=300, adversary_layers=2)
    line = row(module.main([base, vae]), vae)
    assert '--method vae' in line
    assert 'adversary' not in line and 'contrast' not in line
    # The other way round the big adversary is what the AVB run changed.
    line = row(module.main([vae, base]), base)
    assert '--adversary-dim-h 1024' in line
    assert '--adversary-layers 3' in line and '--adaptive-contrast' in line


def test_estimates_that_are_not_the_metrics_are_refused(tmp_path):
    # An ais_log_px.npy replaced by another evaluation's (its mean is not
    # the ais_log_likelihood beside it) cannot be paired.
    module = load_example('examples/mnist/compare_runs.py')
    base = fake_run(str(tmp_path / 'base'), [-90.] * 4)
    other = fake_run(str(tmp_path / 'other'), [-91.] * 4)
    numpy.save(os.path.join(other, 'ais_log_px.npy'), numpy.full(4, -80.))
    with pytest.raises(UsageError, match='does not hold the estimates its '
                       'metrics summarise'):
        module.main([base, other])


@pytest.mark.parametrize('values, message', [
    # Unsigned integers wrapped 0 - 1 around to +255.
    (numpy.array([1, 1, 1, 1], numpy.uint8), 'holds uint8 values, not float'),
    (numpy.array([-90, -90, -90, -90], numpy.int64), 'holds int64 values'),
    (numpy.array([1., -90., -90., -90.]), 'estimates above 0'),
    (numpy.array([-2e6, -90., -90., -90.]), 'below -1e\\+06 nats'),
])
def test_estimates_that_are_no_log_likelihoods_are_refused(
        tmp_path, values, message):
    module = load_example('examples/mnist/compare_runs.py')
    base = fake_run(str(tmp_path / 'base'), [-90.] * 4)
    other = fake_run(str(tmp_path / 'other'), values.astype(numpy.float64))
    numpy.save(os.path.join(other, 'ais_log_px.npy'), values)
    with pytest.raises(UsageError, match=message):
        module.main([base, other])


def test_single_image_runs_have_no_error(tmp_path):
    module = load_example('examples/mnist/compare_runs.py')
    one = dict(AIS, images=1)
    base = fake_run(str(tmp_path / 'base'), [-90.], ais=one)
    other = fake_run(str(tmp_path / 'other'), [-88.5], ais=one)
    text = module.main([base, other])
    assert '| -88.50 | +1.50 |' in row(text, other)
    assert '+-' not in row(text, base)


def fake_evaluation(folder, run, log_px, **entries):
    """An evaluate_avb.py --out folder of ``run``."""
    os.makedirs(folder)
    write_json(os.path.join(folder, 'evaluation.json'), dict(
        {'model': 'AVB + AC (32-dim)', 'run': run, 'ais': AIS,
         'ais_log_likelihood': float(numpy.mean(log_px)), 'seed': 7},
        **entries))
    numpy.save(os.path.join(folder, 'ais_log_px.npy'),
               numpy.asarray(log_px, dtype=numpy.float64))
    return folder


def test_runs_of_other_seeds_are_refused(tmp_path):
    """Their test images were binarized with other seeds: no pairing
    (hostile review of 2026-12-06: a 'paired' difference, exit 0)."""
    module = load_example('examples/mnist/compare_runs.py')
    base = fake_run(str(tmp_path / 'base'), [-90.] * 4, seed=0)
    other = fake_run(str(tmp_path / 'other'), [-91.] * 4, seed=1)
    with pytest.raises(UsageError) as info:
        module.main([base, other])
    message = str(info.value)
    assert 'other test images (binarized with the training --seed 0 and ' \
        '--seed 1)' in message and 'compare runs trained with the same ' \
        '--seed' in message and '\n' not in message
    # The same seed, or a run that does not say (written before the seed
    # was recorded): paired as before.
    same = fake_run(str(tmp_path / 'same'), [-91.] * 4, seed=0)
    unknown = fake_run(str(tmp_path / 'unknown'), [-91.] * 4)
    assert '-1.00 +- 0.00' in row(module.main([base, same]), same)
    assert '-1.00 +- 0.00' in row(module.main([base, unknown]), unknown)


def test_evaluations_pair_by_their_runs_seed(tmp_path):
    """An evaluation's own --seed is that of its draws: its images are its
    run's, read from test_images (recorded from now on) or, before, from
    the run's args.json."""
    module = load_example('examples/mnist/compare_runs.py')
    run0 = fake_run(str(tmp_path / 'run0'), [-90.] * 4, seed=0)
    run1 = fake_run(str(tmp_path / 'run1'), [-90.] * 4, seed=1)
    recorded = fake_evaluation(
        str(tmp_path / 'recorded'), run0, [-91.] * 4, test_images={
            'data': 'MNIST', 'binarize': 'dynamic', 'seed': 0})
    older = fake_evaluation(str(tmp_path / 'older'), run1, [-91.] * 4)
    gone = fake_evaluation(str(tmp_path / 'gone'),
                           str(tmp_path / 'deleted'), [-91.] * 4)
    assert '-1.00 +- 0.00' in row(module.main([run0, recorded]), recorded)
    assert '-1.00 +- 0.00' in row(module.main([run1, older]), older)
    assert '-1.00 +- 0.00' in row(module.main([run1, gone]), gone)
    for folders in ([run1, recorded], [run0, older], [recorded, older]):
        with pytest.raises(UsageError, match='--seed 1|--seed 0 and '):
            module.main(folders)
    bad = fake_evaluation(str(tmp_path / 'bad'), run0, [-91.] * 4,
                          test_images={'seed': 'zero'})
    with pytest.raises(UsageError, match='"test_images" entry'):
        module.main([run0, bad])
