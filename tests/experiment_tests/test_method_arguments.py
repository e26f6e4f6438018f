"""The flags of a method configuration: its defaults, one-line errors."""
import pytest

from vae_avb.experiment import add_method_arguments
from vae_avb.experiment import ArgumentParser
from vae_avb.experiment import method_config
from vae_avb.methods import MethodConfig


def parse(argv):
    parser = ArgumentParser(prog='script.py')
    add_method_arguments(parser)
    return method_config(parser, parser.parse_args(argv))


def test_no_flags_give_the_configuration_defaults():
    assert parse([]) == MethodConfig()
    assert parse(['--method', 'vae', '--dim-z', '8']) == MethodConfig(
        method='vae', dim_z=8)
    config = parse(['--adaptive-contrast', '--contrast', 'full',
                    '--coefficient-offset', 'none', '--adversary-dim-h',
                    '1024'])
    assert config.method == 'avb_ac' and config.contrast == 'full'
    assert config.coefficient_offset is None
    assert config.networks.adversary_dim_h == 1024


@pytest.mark.parametrize('argv, message', [
    (['--method', 'vae', '--adaptive-contrast'],
     '--adaptive-contrast needs --method avb'),
    (['--contrast', 'full'], '--contrast full needs --adaptive-contrast'),
    (['--beta1', '1'], '--beta1 must be in [0, 1)'),
    (['--beta1', 'nan'], '--beta1 must be in [0, 1)'),
    (['--coefficient-offset', 'inf'],
     '--coefficient-offset must be a finite number'),
    (['--coefficient-offset', 'five'], 'must be a number or "none"'),
    (['--coefficient-offset=-1e300'], 'coefficient-offset must be a '
     'finite number of at most'),
    (['--dim-z', '0'], 'must be a positive integer'),
    (['--lr', '-1'], 'must be a positive finite number'),
    (['--lr', 'inf'], 'must be a positive finite number'),
    (['--lr', '1e308'], '--lr is too large: twice it'),
])
def test_bad_flags_end_in_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        parse(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_an_error_naming_a_path_with_a_line_break_is_one_line(capsys):
    parser = ArgumentParser(prog='script.py')
    with pytest.raises(SystemExit):
        parser.error('--out /tmp/a\ninjected: b\r is a file')
    err = capsys.readouterr().err
    assert err == ('script.py: error: --out /tmp/a\\ninjected: b\\r is a '
                   'file (see --help)\n')
