"""The training loop and the iterators use public Chainer API only.

Issue 23, item 6. The source check covers the files of ``vae_avb/training/``
and ``vae_avb/datasets/`` that hold an updater, an iterator or an
extension (:data:`FILES`), not the whole package: other private uses
(``optimizers/adam.py``, ``training/snapshots.py``, ...) are removed
elsewhere, and those modules get their own check there.
"""
import ast
import inspect
import os
import re

import numpy
import pytest

import chainer
from chainer import training

import vae_avb
from vae_avb.datasets import send_array
from vae_avb.training import AVBUpdater
from vae_avb.training import SkipNonFiniteUpdater


ROOT = os.path.dirname(vae_avb.__file__)

FILES = ['datasets/array_iterator.py', 'datasets/four_points_iterator.py',
         'training/avb_updater.py', 'training/skip_nonfinite.py',
         'training/finite_guard.py', 'training/step_size_decay.py']

# Private Chainer names these files used before issue 23.
FORMER = ['_statemachine', '_call_converter', '._optimizers', '._iterators',
          '._state', '._previous_epoch_detail']


def source(name):
    with open(os.path.join(ROOT, name)) as f:
        return f.read()


def module(name):
    return vae_avb.__name__ + '.' + name[:-len('.py')].replace('/', '.')


@pytest.mark.parametrize('name', FILES)
def test_no_former_private_name_comes_back(name):
    text = source(name)
    assert [n for n in FORMER if n in text] == []


@pytest.mark.parametrize('name', FILES)
def test_no_private_name_of_another_object_or_module(name):
    # ``x._y`` only where ``x`` is ``self``; no ``from chainer... import _y``
    # and no module path through a private module.
    found = []
    for node in ast.walk(ast.parse(source(name))):
        if isinstance(node, ast.Attribute) and \
                node.attr.startswith('_') and \
                not node.attr.startswith('__') and \
                not (isinstance(node.value, ast.Name) and
                     node.value.id == 'self'):
            found.append('line {}: ._{}'.format(node.lineno, node.attr[1:]))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            paths = [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom):
                paths = [(node.module or '') + '.' + p for p in paths]
            found += ['line {}: import {}'.format(node.lineno, p)
                      for p in paths
                      if any(part.startswith('_') and
                             not part.startswith('__')
                             for part in p.split('.'))]
    assert found == []


def self_private_names(text):
    return set(re.findall(r'self\.(_[A-Za-z]\w*)', text)) | \
        set(re.findall(r'def (_[A-Za-z]\w*)', text))


@pytest.mark.parametrize('name', FILES)
def test_private_attributes_are_the_files_own(name):
    # Every ``self._x`` is set or defined in the file itself, and is not a
    # name that a Chainer base class uses (which it would shadow or read).
    text = source(name)
    own = set(re.findall(r'self\.(_[A-Za-z]\w*)\s*=[^=]', text)) | \
        set(re.findall(r'def (_[A-Za-z]\w*)', text))
    assert self_private_names(text) - own == set()
    imported = __import__(module(name), fromlist=['_'])
    chainer_names = set()
    for value in vars(imported).values():
        if not inspect.isclass(value) or \
                value.__module__ != imported.__name__:
            continue
        for base in value.__mro__[1:]:
            if base.__module__.startswith('chainer'):
                chainer_names |= self_private_names(inspect.getsource(base))
    assert own & chainer_names == set()


class Recorder(chainer.Link):

    """A loss that records the batches it is given."""

    def __init__(self):
        super(Recorder, self).__init__()
        with self.init_scope():
            self.w = chainer.Parameter(numpy.zeros(1, numpy.float32))
        self.seen = []

    def forward(self, x):
        self.seen.append(x)
        return chainer.functions.sum(self.w * 0)


def old_style(devices):
    def convert(batch, device):  # a plain function: an old-style converter
        devices.append(device)
        return chainer.dataset.concat_examples(batch)
    return convert


def new_style(devices):
    @chainer.dataset.converter()
    def convert(batch, device):
        devices.append(device)
        return chainer.dataset.concat_examples(batch, device)
    return convert


def recording_converter(devices):
    def convert(batch, device):
        devices.append(device)
        return send_array(batch, device)
    return chainer.dataset.converter()(convert)


def run(updater_class, converter, device, as_array=False):
    """The batches and devices a converter sees over three iterations."""
    rows = numpy.arange(24, dtype=numpy.float32).reshape(8, 3)
    iterator = chainer.iterators.SerialIterator(
        rows if as_array else list(rows), 3, shuffle=False)
    if as_array:
        iterator = vae_avb.datasets.ArrayIterator(rows, 3, shuffle=False)
    devices = []
    links = {'main': Recorder(), 'adversary': Recorder()}
    optimizers = {}
    for name, link in links.items():
        optimizers[name] = chainer.optimizers.SGD()
        optimizers[name].setup(link)
    if updater_class is not AVBUpdater:
        optimizers = optimizers['main']
    updater = updater_class(iterator, optimizers,
                            converter=converter(devices), device=device)
    with chainer.Reporter().scope({}):  # as inside a Trainer
        for _ in range(3):
            updater.update()
    return devices, links['main'].seen


@pytest.mark.parametrize('converter', [old_style, new_style,
                                       recording_converter])
@pytest.mark.parametrize('device', [None, '@numpy'])
@pytest.mark.parametrize('updater_class', [SkipNonFiniteUpdater,
                                           AVBUpdater])
def test_converter_called_as_the_standard_updater_calls_it(
        updater_class, converter, device):
    # Old-style converters get -1 for the CPU, converters made with
    # chainer.dataset.converter() the device itself, both None for none.
    as_array = converter is recording_converter
    devices, seen = run(updater_class, converter, device, as_array)
    expected_devices, expected = run(
        training.updaters.StandardUpdater, converter, device, as_array)
    assert devices == expected_devices
    if converter is old_style and device is not None:
        assert devices == [-1] * 3
    assert len(seen) == len(expected) == 3
    for batch, want in zip(seen, expected):
        assert type(batch) is type(want)
        numpy.testing.assert_array_equal(batch, want)


@pytest.mark.gpu
@pytest.mark.parametrize('updater_class', [SkipNonFiniteUpdater,
                                           AVBUpdater])
def test_old_style_converter_gets_the_gpu_id(updater_class):
    devices, _ = run(updater_class, old_style, '@cupy:0')
    expected_devices, _ = run(
        training.updaters.StandardUpdater, old_style, '@cupy:0')
    assert devices == expected_devices == [0] * 3
