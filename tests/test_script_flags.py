"""Issue 24: every flag of every script, given every kind of bad value,
is refused in one line (exit status 2) before the output folder is
touched, or accepted; never a traceback.

The scripts run up to the point where they would create ``--out``
(``vae_avb.experiment.prepare_out``, which ``Ranks.prepare_out`` calls),
which is replaced by a stop here;
the MNIST scripts get 20 small images instead of MNIST so that each case
takes milliseconds.
"""
import glob
import os
from unittest import mock

import numpy
import pytest

from vae_avb import experiment as ex
from vae_avb.experiment import distributed

from tests.test_examples import load_example
from tests.test_examples import ROOT

SCRIPTS = sorted(os.path.relpath(p, ROOT) for p in glob.glob(
    os.path.join(ROOT, 'examples', '*', '*.py')))
VALUES = ['0', '-1', '-7.5', '1e308', '1e-320', '99999999999999999999999',
          'nan', 'inf', '-inf', '', ' ', 'abc', '0x10', '1/2', '2.5',
          'none']
# Positional arguments (run folders) the post-processing scripts need.
POSITIONAL = {'examples/mnist/evaluate_avb.py': ['no_such_run'],
              'examples/mnist/plot_vae.py': ['no_such_run'],
              'examples/mnist/compare_runs.py': ['no_such_a', 'no_such_b']}


class Reached(Exception):
    """The script validated its flags and would now make --out."""


class Captured(Exception):
    pass


def parser_of(script):
    captured = []

    def capture(self, *args, **kwargs):
        captured.append(self)
        raise Captured

    with mock.patch.object(ex.ArgumentParser, 'parse_args', capture):
        with pytest.raises(Captured):
            load_example(script).main([])
    return captured[0]


def value_flags(parser):
    """The long name of every flag that takes a value."""
    return sorted(action.option_strings[-1] if action.option_strings[
        -1].startswith('--') else action.option_strings[0]
        for action in parser._actions
        if action.option_strings and action.nargs != 0
        and '--help' not in action.option_strings)


def small_data(*args, **kwargs):
    rng = numpy.random.RandomState(0)
    return (rng.uniform(size=(20, 784)).astype(numpy.float32),
            rng.uniform(size=(10, 784)).astype(numpy.float32),
            numpy.zeros(10, numpy.int32))


def run(script, argv, capsys):
    """(outcome, stderr lines): outcome is 'reached' or the exit status."""
    module = load_example(script)

    def reach(out, files=()):
        raise Reached

    capsys.readouterr()
    with mock.patch.object(ex, 'prepare_out', reach), \
            mock.patch.object(distributed, 'prepare_out', reach), \
            mock.patch.object(ex, 'load_data', small_data):
        try:
            ex.run_main(module.main, argv)
        except Reached:
            return 'reached', []
        except SystemExit as e:
            return e.code, capsys.readouterr().err.strip().splitlines()
    return 'returned', []


@pytest.mark.parametrize('script', SCRIPTS)
def test_every_flag_with_every_bad_value(script, tmp_path, capsys):
    flags = value_flags(parser_of(script))
    assert flags, script
    positional = POSITIONAL.get(script, [])
    outcomes = {}
    for flag in flags:
        for value in VALUES:
            argv = positional + ['--test'] * (
                '--test' in parser_of_cache(script)) + [flag, value]
            if flag != '--out':
                argv += ['--out', str(tmp_path / 'out')]
            outcome, err = run(script, argv, capsys)
            outcomes[flag, value] = outcome
            if outcome != 'reached':
                assert outcome == 2 and len(err) == 1 and 'error: ' in \
                    err[0], (flag, value, outcome, err)
    assert not os.path.exists(str(tmp_path / 'out'))
    # The sweep did test something: most bad values are refused.
    refused = sum(o == 2 for o in outcomes.values())
    assert refused > len(outcomes) // 2, outcomes


_CACHE = {}


def parser_of_cache(script):
    if script not in _CACHE:
        _CACHE[script] = {flag for action in parser_of(script)._actions
                          for flag in action.option_strings}
    return _CACHE[script]
