"""MethodConfig: defaults in one place, JSON round trip, one-line
refusals, and the old train_avb.py run folders."""
import json

import numpy
import pytest

from vae_avb.methods import config_from_dict
from vae_avb.methods import config_from_train_avb_args
from vae_avb.methods import make_method
from vae_avb.methods import MethodConfig
from vae_avb.methods import MLPNetworks


@pytest.mark.parametrize('config', [
    MethodConfig(method='vae', dim_z=8),
    MethodConfig(method='avb', dim_z=8, dim_noise=5, adversary_steps=2),
    MethodConfig(method='avb_ac', contrast='full', coefficient_offset=None),
    MethodConfig(method='avb', networks=MLPNetworks(
        4, 64, 3, 'relu', 'tanh', 128, 2, 'relu'), prior_term=False,
        side_terms=False, decoder_lr=1e-3, lr=1.5e-4, adversary_lr=3e-3),
])
def test_round_trips_through_json(config):
    text = json.dumps(config.to_dict(), allow_nan=False)
    assert config_from_dict(json.loads(text)) == config


def test_defaults_are_resolved_on_creation():
    config = MethodConfig(dim_z=8, lr=1e-3)
    assert config.dim_noise == 16 and config.adversary_lr == 2e-3
    # The JSON holds the resolved values: a later change of the default
    # rule cannot rebuild an old run differently.
    value = config.to_dict()
    assert value['dim_noise'] == 16 and value['adversary_lr'] == 2e-3


@pytest.mark.parametrize('changes, message', [
    ({'method': 'gan'}, 'method must be one of'),
    ({'dim_z': 0}, 'dim_z must be a positive integer'),
    ({'dim_z': -3}, 'dim_z must be a positive integer'),
    ({'dim_z': True}, 'dim_z must be a positive integer'),
    ({'dim_z': 2.5}, 'dim_z must be a positive integer'),
    ({'dim_z': '8'}, 'dim_z must be a positive integer'),
    ({'n_basis': 0}, 'n_basis must be a positive integer'),
    ({'lr': 0.}, 'lr must be a positive finite number'),
    ({'lr': float('nan')}, 'lr must be a positive finite number'),
    ({'lr': float('inf')}, 'lr must be a positive finite number'),
    ({'decoder_lr': -1.}, 'decoder_lr must be a positive finite number'),
    ({'adversary_lr': 'fast'}, 'adversary_lr must be a positive finite'),
    ({'beta1': 1.}, 'beta1 must be in'),
    ({'beta1': -0.1}, 'beta1 must be in'),
    ({'beta1': float('nan')}, 'beta1 must be in'),
    ({'contrast': 'diag'}, 'contrast must be one of'),
    ({'coefficient_offset': float('inf')}, 'coefficient_offset must be'),
    ({'coefficient_offset': 1e300}, 'coefficient_offset must be a finite '
     'number of at most 3.40282e\\+38'),
    ({'prior_term': 1}, 'prior_term must be true or false'),
    ({'adversary_steps': 0}, 'adversary_steps must be a positive integer'),
    ({'networks': {'dim_h': 3}}, 'networks must be a network family'),
])
def test_refuses_bad_values_on_one_line(changes, message):
    with pytest.raises(ValueError, match=message) as e:
        MethodConfig(**changes)
    assert '\n' not in str(e.value)


@pytest.mark.parametrize('changes, message', [
    ({'dim_h': 0}, 'dim_h must be a positive integer'),
    ({'n_layers': -1}, 'n_layers must be a positive integer'),
    ({'activation': 'swish'}, 'activation must be one of'),
    ({'decoder_activation': 'swish'}, 'decoder_activation must be one of'),
])
def test_networks_refuse_bad_values(changes, message):
    with pytest.raises(ValueError, match=message):
        MLPNetworks(**changes)


def entry(**changes):
    value = MethodConfig(method='avb_ac', dim_z=8).to_dict()
    value.update(changes)
    return value


@pytest.mark.parametrize('value, message', [
    ([], 'must be a JSON object'),
    (entry(version=2), 'version 2 is not 1'),
    (entry(version=True), 'version True is not 1'),
    (entry(version=1.0), 'version 1.0 is not 1'),
    (dict((k, v) for k, v in entry().items() if k != 'version'),
     'version None'),
    (entry(dropout=0.5), 'unknown entries dropout'),
    (dict((k, v) for k, v in entry().items() if k != 'n_basis'),
     'lacks n_basis'),
    (entry(networks={'family': 'resnet'}), 'unknown network family'),
    (entry(networks={'family': 'conv'}), 'networks lacks'),
    (entry(networks={'family': 'mlp', 'width': 3}), 'has no setting width'),
    (entry(networks=[]), 'networks must be a JSON object'),
    (entry(dim_z=None), 'dim_z must be a positive integer'),
])
def test_refuses_malformed_files(value, message):
    with pytest.raises(ValueError, match=message):
        config_from_dict(value)


LEGACY = {'method': 'avb', 'adaptive_contrast': True, 'dim_z': 8,
          'dim_noise': 16, 'n_basis': 32, 'dim_h': 300, 'n_layers': 2,
          'adversary_dim_h': 1024, 'adversary_layers': 3, 'lr': 3e-4,
          'adversary_lr': 6e-4, 'beta1': 0.5, 'adversary_steps': 1,
          'epoch': 30, 'seed': 0, 'out': 'results/x'}


def test_old_train_avb_folders_are_read_with_the_rules_they_ran_with():
    config = config_from_train_avb_args(LEGACY)
    # Before --coefficient-offset existed the coefficients were a_i = l_i,
    # before --contrast the contrast was diagonal.
    assert config.method == 'avb_ac' and config.coefficient_offset is None
    assert config.contrast == 'diagonal'
    assert config.networks.adversary_dim_h == 1024
    newer = config_from_train_avb_args(dict(
        LEGACY, coefficient_offset=5., contrast='full'))
    assert newer.coefficient_offset == 5. and newer.contrast == 'full'
    vae = config_from_train_avb_args(dict(LEGACY, method='vae',
                                          adaptive_contrast=False))
    assert vae.method == 'vae'


@pytest.mark.parametrize('changes, message', [
    ({'dim_h': None}, 'dim_h must be a positive integer'),
    ({'method': 'gan'}, "method 'gan' is not avb or vae"),
    ({'lr': 'x'}, 'lr must be a positive finite number'),
])
def test_old_folders_that_cannot_be_read_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        config_from_train_avb_args(dict(LEGACY, **changes))
    broken = dict(LEGACY)
    del broken['dim_h']
    with pytest.raises(ValueError, match="args.json lacks 'dim_h'"):
        config_from_train_avb_args(broken)


def test_sizes_beyond_memory_are_refused_before_any_allocation():
    with pytest.raises(ValueError, match='about .* parameters, more than'):
        MethodConfig(networks=MLPNetworks(dim_h=10 ** 6))
    with pytest.raises(ValueError, match='about .* parameters'):
        MethodConfig(method='avb_ac', n_basis=10 ** 6)


def test_networks_entries_are_all_required():
    value = entry()
    del value['networks']['activation']
    with pytest.raises(ValueError, match='networks lacks activation'):
        config_from_dict(value)
    value = entry()
    value['networks']['activation'] = ['relu']
    with pytest.raises(ValueError, match='activation must be one of'):
        config_from_dict(value)
    value = entry()
    value['networks']['family'] = {'a': 1}
    with pytest.raises(ValueError, match='unknown network family'):
        config_from_dict(value)


def test_numpy_scalars_are_taken_as_python_numbers():
    # A size read from an array: the JSON form needs Python numbers.
    config = MethodConfig(dim_z=numpy.int64(8), lr=numpy.float32(0.5),
                          n_basis=numpy.uint8(4))
    assert type(config.dim_z) is int and config.dim_z == 8
    assert type(config.lr) is float and config.lr == 0.5
    assert config.adversary_lr == 1.0 and config.dim_noise == 16
    assert config_from_dict(json.loads(json.dumps(config.to_dict()))) == \
        config


@pytest.mark.parametrize('value', ['vae', {'method': 'vae'}, None])
def test_make_method_needs_a_config(value):
    with pytest.raises(TypeError, match='make_method: config must be a '
                       'vae_avb.methods.MethodConfig, got'):
        make_method(value)
