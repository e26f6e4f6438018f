"""Reproduction folders: what is finished, what runs, what the table
shows."""
import os

import pytest

from vae_avb.experiment import finished
from vae_avb.experiment import folder_results
from vae_avb.experiment import Job
from vae_avb.experiment import plan_runs
from vae_avb.experiment import read_metrics
from vae_avb.experiment import UsageError
from vae_avb.experiment import write_json


def make_run(out, key, torn=False, **metrics):
    folder = os.path.join(out, key)
    os.makedirs(folder)
    if torn:
        with open(os.path.join(folder, 'metrics.json'), 'w') as f:
            f.write('{"x')
    else:
        write_json(os.path.join(folder, 'metrics.json'),
                   dict({'seed': 0, 'model': key}, **metrics))
    return folder


def jobs(out, keys):
    return [Job(k, 'run ' + k, ['train', k], os.path.join(out, k + '.log'))
            for k in keys]


def test_plan_keeps_finished_runs_and_continues_torn_ones(tmp_path, capsys):
    out = str(tmp_path)
    make_run(out, 'a')
    make_run(out, 'b', torn=True)
    assert finished(os.path.join(out, 'a'))
    # A torn metrics.json (a kill mid-write by an old version) is no
    # finished run: it is continued and writes the file again.
    assert not finished(os.path.join(out, 'b'))
    with pytest.raises(UsageError, match='already holds runs .a, b.'):
        plan_runs(jobs(out, 'abc'), out, False,
                  lambda j: os.path.join(out, j.key))
    todo = plan_runs(jobs(out, 'abc'), out, True,
                     lambda j: os.path.join(out, j.key))
    assert [(j.key, j.argv[-2:]) for j in todo] == [
        ('b', ['--resume', 'auto']), ('c', ['--resume', 'auto'])]
    assert 'kept run a' in capsys.readouterr().out


def read(folder):
    return read_metrics(folder), None


def same(a, b):
    return a['seed'] == b['seed']


def test_kept_runs_of_another_seed_are_refused(tmp_path):
    out = str(tmp_path)
    make_run(out, 'old', seed=0)
    make_run(out, 'new', seed=5)
    with pytest.raises(UsageError, match='old in --out .* another budget '
                       'or seed than new'):
        folder_results(out, {'old': ['x'], 'new': ['y']}, ['old', 'new'],
                       read, same, 'table.json', True, fresh=['new'])


def test_resume_adds_comparable_runs_and_leaves_out_the_others(tmp_path,
                                                               capsys):
    out = str(tmp_path)
    make_run(out, 'a', seed=1)
    make_run(out, 'b', seed=1)
    make_run(out, 'c', seed=2)
    write_json(os.path.join(out, 'table.json'), {'commands': [
        ['train', '--out', os.path.join(out, 'b')]]})
    results, argvs = folder_results(out, {'a': ['train', 'a']},
                                    ['a', 'b', 'c'], read, same,
                                    'table.json', True, fresh=['a'])
    assert list(results) == ['a', 'b']
    assert argvs == [['train', 'a'], ['train', '--out',
                                      os.path.join(out, 'b')]]
    assert 'left c out of the table' in capsys.readouterr().out


def test_kept_runs_of_other_flags_are_refused_before_anything_runs(
        tmp_path, capsys):
    import argparse

    def parse_args(argv):
        parser = argparse.ArgumentParser()
        parser.add_argument('--epoch', type=int, default=3)
        parser.add_argument('--out')
        parser.add_argument('--resume')
        return parser.parse_args(argv)

    out = str(tmp_path)
    runs = [Job(k, 'run ' + k, ['python', 'train.py', '--out',
                                os.path.join(out, k)], None) for k in 'abcd']
    make_run(out, 'a')
    write_json(os.path.join(out, 'a', 'args.json'),
               {'epoch': 3, 'out': 'elsewhere', 'resume': None})
    make_run(out, 'b')  # no args.json: left to the metrics' checks

    def plan(jobs):
        return plan_runs(jobs, out, True, lambda j: os.path.join(out, j.key),
                         parse_args)

    # Flags in UNCOMPARED (--out) may differ; the others may not.
    assert [j.key for j in plan(runs)] == ['c', 'd']
    runs[0].argv.extend(['--epoch', '4'])
    with pytest.raises(UsageError, match=r'^a in --out .* was finished with '
                       r'--epoch 3, this run asks for --epoch 4; resume '
                       r'with the flags that made it'):
        plan(runs)
    # A crafted or torn args.json is refused in one line, not unpickled
    # or raised as a JSON error.
    for text in ('[1, 2]', '{"epoch'):
        with open(os.path.join(out, 'a', 'args.json'), 'w') as f:
            f.write(text)
        with pytest.raises(UsageError, match='args.json'):
            plan(runs)
    # Without --resume nothing is read: the folder is refused as before.
    with pytest.raises(UsageError, match='already holds runs'):
        plan_runs(runs, out, False, lambda j: os.path.join(out, j.key),
                  parse_args)


def test_flags_differ_and_format_flags():
    from vae_avb.experiment import flags_differ
    from vae_avb.experiment import format_flags
    kept = {'dim_z': 8, 'lr': 0.001, 'arch': 'conv', 'test': False,
            'extra': [1, 2], 'old': 1}
    assert flags_differ(kept, dict(kept)) is None
    # A key one side lacks (a flag added since) is not compared, nor
    # an uncompared one.
    assert flags_differ(kept, {'dim_z': 8, 'new': 3}) is None
    assert flags_differ(kept, dict(kept, out='x'), ['out']) is None
    assert flags_differ(kept, dict(kept, lr=0.01, out='y'), ['out']) == (
        '--lr 0.001', '--lr 0.01')
    wanted = dict(kept, arch='mlp', test=True, extra=[3], dim_z=32)
    assert flags_differ(kept, wanted) == (
        '--arch conv --dim-z 8 --extra [1, 2] --test false',
        '--arch mlp --dim-z 32 --extra [3] --test true')
    # Strings unquoted, everything else as JSON.
    assert format_flags({'a_b': 'x y', 'c': None}, ['a_b', 'c']) == \
        '--a-b x y --c null'
    assert format_flags(kept, []) == ''


def test_parse_planned_parses_once_and_refuses_in_one_line(capsys):
    from vae_avb.experiment import ArgumentParser
    from vae_avb.experiment import parse_planned
    calls = []

    def parse_args(argv):
        calls.append(argv)
        parser = ArgumentParser(prog='reproduce.py')
        parser.add_argument('--epoch', type=int, default=3)
        return parser.parse_args(argv)

    same = ['python', 'train.py', '--epoch', '4']
    runs = [Job('a', 'run a', same, None), Job('b', 'run b', list(same),
                                               None)]
    parsed = parse_planned(runs, parse_args, 'train.py')
    assert list(parsed) == [('--epoch', '4')] and len(calls) == 1
    assert parsed[('--epoch', '4')].epoch == 4
    runs.append(Job('c', 'run c', ['python', 'train.py', '--epoch', 'x'],
                    None))
    with pytest.raises(UsageError, match=r"^train.py refuses the flags of "
                       r"run c \(argument --epoch: invalid int value: "
                       r"'x'\); change the flags passed on to it$"):
        parse_planned(runs, parse_args, 'train.py')
    assert capsys.readouterr().err == ''
    # --help passed on prints nothing and says so, in one line.
    runs[-1].argv[2:] = ['-h']
    with pytest.raises(UsageError, match=r'^the flags of run c ask '
                       r'train.py for its help, which runs nothing; pass '
                       r'it no -h/--help \(its flags: train.py --help\)$'):
        parse_planned(runs, parse_args, 'train.py')
    assert capsys.readouterr() == ('', '')
