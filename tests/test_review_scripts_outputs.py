"""Hostile review of the scripts' outputs (2026-12-07): what a script
writes never goes through a link, into a FIFO, over a folder or over an
earlier table, and a damaged kept file is met before anything trains."""
import json
import os
import re
import sys

import numpy
import pytest

from tests.test_compare_runs import fake_run
from tests.test_compare_runs import row
from tests.test_examples import load_example
from tests.test_review_scripts_reproduce import table2_run
from vae_avb import experiment as ex
from vae_avb.experiment import Job
from vae_avb.experiment import paired_differences
from vae_avb.experiment import run_jobs
from vae_avb.experiment import UsageError
from vae_avb.experiment import write_json
from vae_avb.experiment import write_text

TABLE2 = 'examples/mnist/reproduce_table2.py'


def no_training(*args, **kwargs):
    raise AssertionError('a run was started before the refusal')


def trained_by(out, keys):
    """A stand-in for the job pool: each job's run appears finished."""
    def run(todo, parallel, env=None):
        for job in todo:
            keys.append(job.key)
            table2_run(out, job.key)
        return {}
    return run


@pytest.mark.parametrize('commands', [None, 5, 'x', [1], [['a', 2]]])
def test_table2_resume_refuses_a_damaged_table_json_before_training(
        tmp_path, monkeypatch, commands):
    # Its "commands" entry was iterated after every run had trained: a
    # traceback (TypeError) after hours of work.
    out = str(tmp_path)
    table2_run(out, 'vae8')
    write_json(os.path.join(out, 'table2.json'),
               {'results': {}, 'commands': commands})
    module = load_example(TABLE2)
    monkeypatch.setattr(module.ex, 'run_jobs', no_training)
    with pytest.raises(UsageError, match=r'table2.json: "commands" must be '
                       r'a list of commands .*; move it away'):
        module.main(['--test', '--models', 'vae8', '--resume', '--out', out])


def test_table2_resume_leaves_out_a_broken_kept_run_it_was_not_asked_for(
        tmp_path, monkeypatch, capsys):
    # avb8 diverged in an earlier invocation (null ELBO) and is not in
    # --models: it was refused only after vae8 had trained, and no table
    # was written.
    out = str(tmp_path)
    table2_run(out, 'avb8', test_elbo=None)
    module = load_example(TABLE2)
    trained = []
    monkeypatch.setattr(module.ex, 'run_jobs', trained_by(out, trained))
    metrics = module.main(['--test', '--models', 'vae8', '--resume', '--out',
                           out])
    assert trained == ['vae8'] and list(metrics) == ['vae8']
    said = capsys.readouterr().out
    assert re.search(r"left avb8 out of the table: .*avb8: 'test_elbo' is "
                     r'None', said)
    with open(os.path.join(out, 'table2.md')) as f:
        table = f.read()
    assert 'VAE (8-dim)' in table and 'AVB (8-dim)' not in table


@pytest.mark.parametrize('name', ['table2.md', 'table2.json'])
def test_table2_without_resume_refuses_an_earlier_table(tmp_path,
                                                        monkeypatch, name):
    # The run folders were moved away, the tables kept: a new run wrote
    # over them without a word.
    out = str(tmp_path)
    path = os.path.join(out, name)
    with open(path, 'w') as f:
        f.write('OLD')
    module = load_example(TABLE2)
    monkeypatch.setattr(module.ex, 'run_jobs', no_training)
    with pytest.raises(UsageError, match=r'--out .* already holds {}, '
                       r'written by an earlier run, which this one would '
                       r'overwrite; add --resume'.format(re.escape(name))):
        module.main(['--test', '--models', 'vae8', '--out', out])
    with open(path) as f:
        assert f.read() == 'OLD'


@pytest.mark.parametrize('resume', [False, True])
def test_table2_refuses_a_folder_where_its_table_goes_before_training(
        tmp_path, monkeypatch, resume):
    out = str(tmp_path)
    os.makedirs(os.path.join(out, 'table2.md'))
    module = load_example(TABLE2)
    monkeypatch.setattr(module.ex, 'run_jobs', no_training)
    with pytest.raises(UsageError, match=r'table2.md is a folder, where this '
                       r'script writes a file; move it out of the way'):
        module.main(['--test', '--models', 'vae8', '--out', out] +
                    (['--resume'] if resume else []))


def test_table2_summarize_refuses_a_folder_where_its_table_goes(tmp_path):
    seeds = []
    for seed in (0, 1):
        folder = str(tmp_path / 'seed{}'.format(seed))
        table2_run(folder, 'vae8', seed=seed)
        write_json(os.path.join(folder, 'table2.json'),
                   {'results': {'vae8': {}}, 'commands': []})
        seeds.append(folder)
    out = tmp_path / 'summary'
    (out / 'table2_seeds.md').mkdir(parents=True)
    with pytest.raises(UsageError, match=r'table2_seeds.md is a folder'):
        load_example(TABLE2).main(['--summarize'] + seeds +
                                  ['--out', str(out)])
    text = load_example(TABLE2).main(['--summarize'] + seeds + [
        '--out', str(tmp_path / 'summary2')])
    assert 'VAE (8-dim)' in text


@pytest.mark.parametrize('flag', [['--models', 'vae8'], ['--budget', 'gpu'],
                                  ['--resume'], ['--test'], ['--seed', '3'],
                                  ['--extra=--lr=5'], ['--arch', 'conv'],
                                  ['--jobs', '3']])
def test_table2_summarize_refuses_the_flags_it_would_ignore(tmp_path, capsys,
                                                            flag):
    with pytest.raises(SystemExit) as e:
        load_example(TABLE2).parse_args(
            ['--summarize', str(tmp_path)] + flag)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.search(r'error: --[a-z-]+ is not used by --summarize, which '
                     r'only reads the finished folders; drop it', err), err


def test_table2_single_image_row_shows_no_error(tmp_path):
    # One AIS image has no standard error: the table said "+- 0.0".
    out = str(tmp_path)
    table2_run(out, 'vae8')
    module = load_example(TABLE2)
    args = module.parse_args(['--test', '--models', 'vae8', '--out', out])
    metrics, log_px = module.read(os.path.join(out, 'vae8'))
    metrics = dict(metrics, ais_standard_error=None)
    text = module.table({'vae8': (metrics, log_px[:1])}, 1., args)
    line = next(x for x in text.splitlines() if 'VAE (8-dim)' in x)
    assert '-500.0 |' in line and '+-' not in line.split('|')[5]


def test_job_logs_are_never_written_through_a_link(tmp_path):
    victim = tmp_path / 'victim.txt'
    victim.write_text('mine\n')
    log = tmp_path / 'run.log'
    log.symlink_to(victim)
    first = str(tmp_path / 'first_ran')
    jobs = [Job('a', 'job a', [sys.executable, '-c',
                               'open({!r}, "w").close()'.format(first)],
                str(tmp_path / 'a.log')),
            Job('b', 'job b', [sys.executable, '-c', 'pass'], str(log))]
    with pytest.raises(UsageError, match=r'the log .*run.log of job b is '
                       r'not a regular file .*; move it out of the way'):
        run_jobs(jobs, 1)
    assert victim.read_text() == 'mine\n'
    # Checked before any job started.
    assert not os.path.exists(first)


def test_a_fifo_log_is_refused_not_waited_on(tmp_path):
    log = str(tmp_path / 'run.log')
    os.mkfifo(log)
    with pytest.raises(UsageError, match=r'not a regular file'):
        run_jobs([Job('a', 'job a', [sys.executable, '-c', 'pass'], log)], 1)


def test_a_failed_jobs_last_line_is_read_from_the_end_of_a_long_log(
        tmp_path):
    log = tmp_path / 'a.log'
    log.write_text('x' * 200000 + '\nearlier\n')
    code = 'print("the reason"); raise SystemExit(3)'
    with pytest.raises(UsageError, match=r'job a failed \(exit 3\): the '
                       r'reason; see '):
        run_jobs([Job('a', 'job a', [sys.executable, '-c', code],
                      str(log))], 1)


def test_write_text_over_a_folder_is_one_line(tmp_path):
    (tmp_path / 'table.md').mkdir()
    with pytest.raises(UsageError, match=r'table.md is a folder, where this '
                       r'script writes a file; move it out of the way, or '
                       r'choose another --out$'):
        write_text(str(tmp_path / 'table.md'), 'text')
    (tmp_path / 'file').write_text('')
    with pytest.raises(UsageError, match=r'x.json cannot be written \(path '
                       r'.* lies below .*file\', which is a file, not a '
                       r'folder\); choose another --out$'):
        ex.write_json(str(tmp_path / 'file' / 'x.json'), {})
    with pytest.raises(UsageError, match=r'cannot be written \(path .* '
                       r'holds a NUL character, which no file name can\)'):
        ex.write_text(str(tmp_path / 'a\0b.md'), 'text')


def test_compare_runs_refuses_a_folder_for_its_table_before_reading(
        tmp_path):
    a = fake_run(str(tmp_path / 'a'), [-90., -91., -92., -93.])
    b = fake_run(str(tmp_path / 'b'), [-89., -91., -91., -92.])
    (tmp_path / 'out' / 'comparison.md').mkdir(parents=True)
    with pytest.raises(UsageError, match=r'comparison.md is a folder'):
        load_example('examples/mnist/compare_runs.py').main(
            [a, b, '--out', str(tmp_path / 'out')])


def test_compare_runs_says_when_the_baselines_settings_are_unknown(
        tmp_path):
    # The baseline is an evaluation whose run folder is gone: every
    # setting of the other run was listed as differing.
    run = fake_run(str(tmp_path / 'run'), [-90., -91., -92., -93.])
    evaluation = str(tmp_path / 'eval')
    os.makedirs(evaluation)
    write_json(os.path.join(evaluation, 'evaluation.json'), {
        'model': 'AVB + AC (32-dim)', 'run': str(tmp_path / 'gone'),
        'ais': json.load(open(os.path.join(run, 'metrics.json')))['ais'],
        'ais_log_likelihood': -91.})
    numpy.save(os.path.join(evaluation, 'ais_log_px.npy'),
               numpy.array([-89., -91., -91., -93.]))
    text = load_example('examples/mnist/compare_runs.py').main(
        [evaluation, run])
    cell = row(text, run).split('|')[-2].strip()
    assert cell == "unknown: the baseline's run folder is gone"


def test_paired_differences_of_float16_estimates_are_computed_in_float64(
        tmp_path):
    a = numpy.array([-1.3, -2.7, -1.1, -3.3], numpy.float16)
    b = numpy.array([-1000.3, -2000.7, -1500.1, -1800.3], numpy.float16)
    (_, _, mean, error), = paired_differences({'a': a, 'b': b},
                                              [('a', 'b')])
    naive = a.astype(numpy.float64) - b.astype(numpy.float64)
    assert mean == pytest.approx(naive.mean(), rel=1e-12)
    assert error == pytest.approx(naive.std(ddof=1) / 2, rel=1e-12)
    # And through the files compare_runs.py reads.
    for name, values in (('a', a), ('b', b)):
        folder = fake_run(str(tmp_path / name), values.astype(float))
        numpy.save(os.path.join(folder, 'ais_log_px.npy'), values)
        with open(os.path.join(folder, 'metrics.json')) as f:
            metrics = json.load(f)
        metrics['ais_log_likelihood'] = float(
            values.astype(numpy.float64).mean())
        with open(os.path.join(folder, 'metrics.json'), 'w') as f:
            json.dump(metrics, f)
    text = load_example('examples/mnist/compare_runs.py').main(
        [str(tmp_path / 'a'), str(tmp_path / 'b')])
    assert '{:+.2f} +- {:.2f}'.format(-naive.mean(),
                                      naive.std(ddof=1) / 2) in text


def vae_run(folder):
    """A train_vae.py --out folder, untrained, with one figure."""
    from vae_avb.training.snapshots import save_atomic
    os.makedirs(folder)
    vae = ex.build_vae('mlp', 2, 8, 1, 'tanh', 'same')
    save_atomic(os.path.join(folder, 'model.npz'), vae, check_finite=True)
    write_json(os.path.join(folder, 'model.json'), {
        'arch': 'mlp', 'dim_z': 2, 'dim_h': 8, 'n_layers': 1,
        'activation': 'tanh', 'binarize': 'dynamic', 'seed': 0,
        'data': None, 'conv_padding': 'same'})
    with open(os.path.join(folder, 'latent.png'), 'w') as f:
        f.write('the full test set')
    return folder


def test_plot_vae_test_figures_never_replace_the_runs_own(tmp_path):
    run = vae_run(str(tmp_path / 'run'))
    with pytest.raises(UsageError, match=r'--test makes the figures of 100 '
                       r'test images, which would replace the run\'s own '
                       r'.*; pass --out'):
        load_example('examples/mnist/plot_vae.py').main(
            ['--snapshot', run, '--test'])
    with open(os.path.join(run, 'latent.png')) as f:
        assert f.read() == 'the full test set'


def test_plot_vae_refuses_another_runs_folder_and_folders_for_figures(
        tmp_path):
    run = vae_run(str(tmp_path / 'run'))
    other = vae_run(str(tmp_path / 'other'))
    plot = load_example('examples/mnist/plot_vae.py')
    with pytest.raises(UsageError, match=r'--out .*other is another run\'s '
                       r'folder \(it holds model.npz\)'):
        plot.main(['--snapshot', run, '--out', other, '--test'])
    os.makedirs(str(tmp_path / 'figures' / 'sampled.png'))
    with pytest.raises(UsageError, match=r'sampled.png is a folder'):
        plot.main(['--snapshot', run, '--out', str(tmp_path / 'figures'),
                   '--test'])


def avb_run(folder, **args):
    """A train_avb.py --out folder, untrained (a small VAE)."""
    from vae_avb.methods import make_method
    from vae_avb.methods import MethodConfig
    from vae_avb.methods import MLPNetworks
    os.makedirs(folder)
    config = MethodConfig(method='vae', dim_z=2,
                          networks=MLPNetworks(dim_h=8, n_layers=1))
    method = make_method(config)
    write_json(os.path.join(folder, 'method.json'), config.to_dict())
    write_json(os.path.join(folder, 'args.json'), dict(
        {'seed': 0, 'batch_size': 100, 'test': True, 'method': 'vae',
         'dim_z': 2}, **args))
    method.save(method.build(), folder)
    return folder


EVALUATE_AIS = ['--ais-size', '2', '--ais-temperatures', '2',
                '--ais-leapfrog', '1', '--ais-chains', '1']


def test_evaluate_avb_refuses_a_huge_batch_size_in_args_json(tmp_path):
    run = avb_run(str(tmp_path / 'run'), batch_size=10 ** 17)
    with pytest.raises(UsageError, match=r"args.json: 'batch_size' is "
                       r'100000000000000000, but must be an integer from 1 '
                       r'to 2147483647'):
        load_example('examples/mnist/evaluate_avb.py').main(
            [run] + EVALUATE_AIS)


@pytest.mark.parametrize('name', ['method.json', 'args.json',
                                  'snapshot_iter_500.npz'])
def test_evaluate_avb_refuses_a_training_runs_folder_as_out(tmp_path, name):
    # A training run killed before its metrics: its resume would write
    # its own ais_log_px.npy over this evaluation's.
    run = avb_run(str(tmp_path / 'run'))
    out = tmp_path / 'other'
    out.mkdir()
    (out / name).write_text('x')
    with pytest.raises(UsageError, match=r'--out .*other is a training '
                       r'run\'s folder \(it holds {}\); choose another '
                       r'--out'.format(re.escape(name))):
        load_example('examples/mnist/evaluate_avb.py').main(
            [run, '--out', str(out)] + EVALUATE_AIS)
    assert sorted(os.listdir(str(out))) == [name]
