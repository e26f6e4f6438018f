"""Run folders: the method rebuilt from its own file, old folders read
with the rules they ran with, and nothing in a folder unpickled."""
import json
import os
import pickle

import numpy
import pytest

import chainer

from vae_avb.experiment import load_run
from vae_avb.experiment import read_method
from vae_avb.experiment import UsageError
from vae_avb.experiment import write_json
from vae_avb.methods import make_method
from vae_avb.methods import MethodConfig
from vae_avb.methods import MLPNetworks

CPU = chainer.get_device('@numpy')
SMALL = MLPNetworks(784, 8, 1, 'relu', None, 6, 2, 'relu')


def finished_run(folder, **changes):
    config = MethodConfig(dim_z=3, networks=SMALL, n_basis=4, **changes)
    method = make_method(config)
    model = method.build()
    os.makedirs(folder, exist_ok=True)
    method.save(model, folder)
    write_json(os.path.join(folder, 'method.json'), config.to_dict())
    return method, model


@pytest.mark.parametrize('method', ['vae', 'avb', 'avb_ac'])
def test_a_run_is_rebuilt_exactly_from_its_own_file(tmp_path, method):
    folder = str(tmp_path / 'run')
    saved, model = finished_run(folder, method=method, contrast='full')
    loaded, rebuilt = load_run(folder, CPU)
    assert loaded.config == saved.config
    for net in ('encoder', 'decoder', 'adversary'):
        a, b = getattr(model, net), getattr(rebuilt, net)
        if a is None:
            assert b is None
            continue
        for (name, p), (_, q) in zip(sorted(a.namedparams()),
                                     sorted(b.namedparams())):
            numpy.testing.assert_array_equal(p.array, q.array, name)


class Payload(object):

    """A pickle that writes a file when it is loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


@pytest.mark.parametrize('name', ['model.npz', 'adversary.npz'])
def test_a_crafted_pickle_in_a_run_folder_runs_nothing(tmp_path, name):
    folder = str(tmp_path / 'run')
    finished_run(folder)
    marker = str(tmp_path / 'payload_ran')
    with open(os.path.join(folder, name), 'wb') as f:
        pickle.dump(Payload(marker), f)
    with pytest.raises(UsageError, match='is not an .npz archive|'
                       'pickled') as e:
        load_run(folder, CPU)
    assert '\n' not in str(e.value)
    assert not os.path.exists(marker)
    # A pickled object array inside an .npz is refused too.
    numpy.savez(os.path.join(folder, name[:-4]),
                **{'mlp/0/W': numpy.array([Payload(marker)], dtype=object)})
    with pytest.raises(UsageError):
        load_run(folder, CPU)
    assert not os.path.exists(marker)


LEGACY = {'method': 'avb', 'adaptive_contrast': True, 'dim_z': 3,
          'dim_noise': 6, 'n_basis': 4, 'dim_h': 8, 'n_layers': 1,
          'adversary_dim_h': 6, 'adversary_layers': 2, 'lr': 3e-4,
          'adversary_lr': 6e-4, 'beta1': 0.5, 'adversary_steps': 1,
          'seed': 0, 'test': True, 'batch_size': 100}


def test_old_folders_are_read_from_args_json(tmp_path):
    folder = str(tmp_path / 'old')
    os.makedirs(folder)
    write_json(os.path.join(folder, 'args.json'), LEGACY)
    method = read_method(folder)
    assert method.key == 'avb_ac'
    # Before --coefficient-offset existed the coefficients were a_i = l_i.
    assert method.config.coefficient_offset is None


@pytest.mark.parametrize('write, message', [
    (lambda f: None, 'has neither method.json nor args.json'),
    (lambda f: open(os.path.join(f, 'method.json'), 'w').write('{'),
     'not a readable JSON file'),
    (lambda f: write_json(os.path.join(f, 'method.json'), {'version': 1}),
     'cannot be read as a method configuration .*lacks'),
    (lambda f: write_json(os.path.join(f, 'method.json'), dict(
        MethodConfig().to_dict(), dim_z=-1)), 'dim_z must be a positive'),
    (lambda f: write_json(os.path.join(f, 'args.json'), dict(
        LEGACY, dim_h='wide')), 'dim_h must be a positive integer'),
    (lambda f: os.mkfifo(os.path.join(f, 'method.json')),
     'not a regular file'),
])
def test_unreadable_folders_are_refused_on_one_line(tmp_path, write,
                                                    message):
    folder = str(tmp_path / 'run')
    os.makedirs(folder)
    write(folder)
    with pytest.raises(UsageError, match=message) as e:
        read_method(folder)
    assert '\n' not in str(e.value)


def test_unfinished_and_mismatched_runs_are_refused(tmp_path):
    folder = str(tmp_path / 'run')
    finished_run(folder)
    with pytest.raises(UsageError, match='is not a folder'):
        load_run(str(tmp_path / 'missing'), CPU)
    # The file says other sizes than the weights were saved with.
    config = json.load(open(os.path.join(folder, 'method.json')))
    config['dim_z'] = 5
    write_json(os.path.join(folder, 'method.json'), config)
    with pytest.raises(UsageError, match='does not match this model') as e:
        load_run(folder, CPU)
    # A finished run's files: resuming was no fix for them.
    assert 'resume' not in str(e.value)
    assert str(e.value).endswith('pass the --out folder of a finished run, '
                                 'its files as it wrote them')
    config['dim_z'] = 3
    write_json(os.path.join(folder, 'method.json'), config)
    with open(os.path.join(folder, 'model.npz'), 'wb') as f:
        f.write(b'torn')
    with pytest.raises(UsageError, match='model.npz is not an .npz archive; '
                       'pass the --out folder of a finished run'):
        load_run(folder, CPU)
    os.remove(os.path.join(folder, 'model.npz'))
    with pytest.raises(UsageError, match='has no model.npz'):
        load_run(folder, CPU)
