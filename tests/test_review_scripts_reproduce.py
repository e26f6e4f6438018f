"""Hostile review of the reproduction scripts: kept runs that are not what
the table says (older runs without args.json, diverged or crafted
metrics) are refused in one line before anything trains."""
import json
import os
import re

import numpy
import pytest

from vae_avb.experiment import UsageError
from vae_avb.experiment import write_json

from tests.test_examples import load_example


def four_points_run(out, method, seed=0, **changes):
    """A finished four-point run as train.py wrote it before args.json
    (metrics, latent codes), made without training."""
    folder = os.path.join(out, '{}_seed{}'.format(method, seed))
    os.makedirs(folder)
    metrics = {'log_likelihood': -2.0, 'reconstruction_error': 2.0,
               'elbo': -3.0, 'kl': 1.0, 'kl_aggregate': 0.5,
               'method': method, 'iterations': 50, 'train_seconds': 1.0,
               'batch_size': 256, 'seed': seed}
    metrics.update(changes)
    write_json(os.path.join(folder, 'metrics.json'), metrics)
    numpy.savez(os.path.join(folder, 'latent.npz'),
                z=numpy.zeros((8, 2), numpy.float32),
                labels=numpy.repeat(numpy.arange(4), 2))
    return folder


def test_four_points_resume_refuses_runs_of_other_iterations_by_metrics(
        tmp_path):
    # Runs made before train.py wrote args.json: their metrics say they
    # ran 50 iterations (--test); a --resume without --test kept them as
    # Table 1's numbers.
    out = str(tmp_path)
    for method in ('avb', 'vae'):
        four_points_run(out, method)
    module = load_example('examples/four_points/reproduce.py')
    with pytest.raises(UsageError, match=r'avb_seed0 in --out .* was '
                       r'finished with .*--iteration 50.*this run asks for '
                       r'.*--iteration 14000'):
        module.main(['--seeds', '0', '--resume', '--out', out])
    assert not os.path.exists(os.path.join(out, 'table1.md'))
    # The same runs under the flags that made them are kept.
    results = module.main(['--test', '--seeds', '0', '--resume', '--out',
                           out])
    assert results['avb'][0]['iterations'] == 50


@pytest.mark.parametrize('value', [None, 'abc', True])
def test_four_points_resume_refuses_a_diverged_kept_run(tmp_path, value):
    # A diverged run writes null for NaN (and exits 1); its metrics.json
    # reads back, so --resume kept it and wrote "nan" into Table 1 (or
    # raised a traceback for a crafted string).
    out = str(tmp_path)
    four_points_run(out, 'avb')
    four_points_run(out, 'vae', elbo=value)
    with pytest.raises(UsageError, match=r"vae_seed0: 'elbo' is .*, but "
                       r'must be a finite number .*; move that run away'):
        load_example('examples/four_points/reproduce.py').main(
            ['--test', '--seeds', '0', '--resume', '--out', out])
    assert not os.path.exists(os.path.join(out, 'table1.md'))


def table2_run(out, key, **changes):
    folder = os.path.join(out, key)
    os.makedirs(folder)
    log_px = numpy.full(10, -500.)
    numpy.save(os.path.join(folder, 'ais_log_px.npy'), log_px)
    metrics = {'model': 'VAE (8-dim)', 'test_elbo': -510.,
               'elbo_is_estimate': False, 'ais_log_likelihood': -500.,
               'ais_standard_error': 0., 'ais': {
                   'images': 10, 'temperatures': 20, 'leapfrog': 10,
                   'step': 0.01, 'chains': 8, 'adapt': True,
                   'batch_size': 100, 'start': 'encoder Gaussian',
                   'acceptance': 1.0, 'seconds': 1.0},
               'epochs': 1, 'train_seconds': 1.0, 'dim_z': 8,
               'arch': 'mlp', 'conv_padding': 'same', 'seed': 0,
               'device': '@numpy', 'processes': 1}
    metrics.update(changes)
    with open(os.path.join(folder, 'metrics.json'), 'w') as f:
        json.dump(metrics, f)
    return folder


@pytest.mark.parametrize('changes, named', [
    ({'test_elbo': None}, "vae8: 'test_elbo' is None"),
    ({'train_seconds': None}, "vae8: 'train_seconds' is None"),
    ({'ais_seconds': 'abc'}, 'vae8\'s "ais" entry: \'seconds\' is \'abc\''),
])
def test_table2_resume_refuses_a_kept_run_without_its_numbers(
        tmp_path, changes, named):
    # A diverged run's test_elbo is null: --resume kept it and the table
    # raised a traceback (estimate_cell's TypeError).
    out = str(tmp_path)
    folder = table2_run(out, 'vae8', **{
        k: v for k, v in changes.items() if k != 'ais_seconds'})
    if 'ais_seconds' in changes:
        path = os.path.join(folder, 'metrics.json')
        with open(path) as f:
            metrics = json.load(f)
        metrics['ais']['seconds'] = changes['ais_seconds']
        with open(path, 'w') as f:
            json.dump(metrics, f)
    with pytest.raises(UsageError, match=re.escape(named) + r', but must be '
                       r'a finite number .*; move that model\'s folder '
                       r'away'):
        load_example('examples/mnist/reproduce_table2.py').main(
            ['--test', '--models', 'vae8', '--resume', '--out', out])
    assert not os.path.exists(os.path.join(out, 'table2.md'))
    # A bool is no number either (read_ais refuses it first).
    table2_run(os.path.join(out, 'b'), 'vae8', train_seconds=True)
    with pytest.raises(UsageError, match=r"vae8: 'train_seconds' is True, "
                       r'but must be a number'):
        load_example('examples/mnist/reproduce_table2.py').main(
            ['--test', '--models', 'vae8', '--resume', '--out',
             os.path.join(out, 'b')])


def test_table2_resume_keeps_a_good_run(tmp_path):
    out = str(tmp_path)
    table2_run(out, 'vae8')
    metrics = load_example('examples/mnist/reproduce_table2.py').main(
        ['--test', '--models', 'vae8', '--resume', '--out', out])
    assert metrics['vae8']['test_elbo'] == -510.


def summarized_folder(root, seed, **flags):
    out = os.path.join(root, 'seed{}'.format(seed))
    folder = table2_run(out, 'vae8', seed=seed)
    write_json(os.path.join(folder, 'args.json'), dict(
        {'method': 'vae', 'dim_z': 8, 'lr': 3e-4, 'epoch': 1, 'seed': seed,
         'out': folder, 'ais_batch_size': 100 * (seed + 1)}, **flags))
    write_json(os.path.join(out, 'table2.json'), {'results': {'vae8': {}}})
    return out


def test_table2_summary_refuses_seeds_trained_with_other_flags(tmp_path):
    # One seed's folder made with --extra=--lr=0.001, the other's
    # without: same epochs and AIS, so the summary mixed them as one
    # budget.
    root = str(tmp_path)
    module = load_example('examples/mnist/reproduce_table2.py')
    same = [summarized_folder(root, 0), summarized_folder(root, 1)]
    # The seed, --out and the AIS batch size may differ.
    module.main(['--summarize'] + same + ['--out', root])
    other = summarized_folder(root, 2, lr=1e-3)
    with pytest.raises(UsageError, match=r'VAE \(8-dim\) was trained with '
                       r'other flags in .*seed2 than in .*seed0 \(--lr '
                       r'0.001 against --lr 0.0003\)'):
        module.main(['--summarize', same[0], other, '--out', root])
    # A flag one run's args.json lacks (an older version) is not compared.
    older = summarized_folder(root, 3)
    path = os.path.join(older, 'vae8', 'args.json')
    with open(path) as f:
        flags = json.load(f)
    del flags['lr']
    write_json(path, flags)
    module.main(['--summarize', other, older, '--out', root])
    # A crafted args.json that holds no flags is refused in one line.
    write_json(path, [1, 2])
    with pytest.raises(UsageError,
                       match=r'args.json holds a list, not a JSON object'):
        module.main(['--summarize', other, older, '--out', root])


def test_table2_leaves_out_a_kept_model_its_extra_flags_do_not_fit(
        tmp_path, capsys):
    # train_avb.py refusing this invocation's --extra for a kept model
    # not named by --models (argparse's exit) leaves that model out of
    # the table with a line, instead of ending the script after training.
    module = load_example('examples/mnist/reproduce_table2.py')
    folder = tmp_path / 'avb_ac8'
    folder.mkdir()
    write_json(str(folder / 'metrics.json'), {'seed': 0})
    write_json(str(folder / 'args.json'), {'batch_size': 100})
    args = module.parse_args(['--test', '--models', 'vae8', '--out',
                              str(tmp_path), '--extra=--batch-size=1'])

    def refusing(argv):
        raise SystemExit(2)
    reason = module.unlike(args, 'avb_ac8', refusing)
    assert 'which train_avb.py refuses for that model' in reason
    assert capsys.readouterr().err == ''


@pytest.mark.parametrize('resume', [False, True])
@pytest.mark.parametrize('extra', ['--extra=--epoch=0',
                                   '--extra=--lr=nan',
                                   '--extra=--no-such-flag'])
def test_table2_refuses_extra_flags_train_avb_refuses_before_any_run(
        tmp_path, capsys, resume, extra):
    # Before: without --resume every run started and failed on its own
    # (the message in its log); with --resume the planned runs' flags
    # were parsed for the kept-run check and argparse's error carried
    # reproduce_table2.py's name.
    out = str(tmp_path)
    if resume:
        table2_run(out, 'vae8')
    with pytest.raises(UsageError, match=r'^train_avb.py refuses the flags '
                       r'of AVB \(8-dim\) \(.*\); change the flags passed '
                       r'on to it$') as error:
        load_example('examples/mnist/reproduce_table2.py').main(
            ['--test', '--models', 'vae8', 'avb8', '--out', out, extra]
            + (['--resume'] if resume else []))
    assert extra.split('=')[1].lstrip('-').split('-')[0] in str(error.value)
    assert sorted(os.listdir(out)) == (['vae8'] if resume else [])
    assert 'usage' not in capsys.readouterr().err


def test_table2_extra_help_is_one_line_and_runs_nothing(tmp_path, capsys):
    # Before: train_avb.py's 70 lines of help headed "usage:
    # reproduce_table2.py", then "refuses ... (no reason given)".
    out = str(tmp_path)
    with pytest.raises(UsageError, match=r'^the flags of AVB \(8-dim\) ask '
                       r'train_avb.py for its help, which runs nothing'):
        load_example('examples/mnist/reproduce_table2.py').main(
            ['--test', '--models', 'avb8', '--out', out, '--extra=--help'])
    assert capsys.readouterr().out == ''
    assert os.listdir(out) == []


@pytest.mark.parametrize('seed', ['0', None, 1.5, [1], -1, True])
def test_table2_summary_refuses_a_seed_that_is_no_integer(tmp_path, seed):
    # Seeds 0 and "0" were two seeds to the summary: the same seed's runs
    # counted twice.
    root = str(tmp_path)
    module = load_example('examples/mnist/reproduce_table2.py')
    good = summarized_folder(root, 0)
    crafted = summarized_folder(root, 1)
    path = os.path.join(crafted, 'vae8', 'metrics.json')
    with open(path) as f:
        metrics = json.load(f)
    metrics['seed'] = seed
    write_json(path, metrics)
    with pytest.raises(UsageError, match=r"metrics.json: 'seed' is .*, but "
                       r"must be an integer seed"):
        module.main(['--summarize', good, crafted, '--out', root])
