import ast
import glob
import inspect
import os
import re
import subprocess
import sys

import numpy
import pytest

import chainer
import chainer.functions as F
import chainer.links as L

from vae_avb.optimizers import Adam
from vae_avb.optimizers import adam as adam_module
from vae_avb.optimizers import adam_kernel


class Net(chainer.ChainList):

    """Linear layers: small ones, and a large one (300 x 250 = 75,000
    elements) when ``big``."""

    def __init__(self, sizes=(20, 30, 30, 4), big=False):
        layers = [L.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
        if big:
            layers.append(L.Linear(sizes[-1], 300))
            layers.append(L.Linear(300, 250))
        super(Net, self).__init__(*layers)

    def forward(self, x):
        for i, layer in enumerate(self):
            x = layer(x)
            if i + 1 < len(self):
                x = F.tanh(x)
        return F.sum(x * x)


def net(dtype=numpy.float32, **kwargs):
    numpy.random.seed(0)
    with chainer.using_config('dtype', dtype):
        return Net(**kwargs)


def run_steps(optimizer, model, grads):
    if isinstance(optimizer, type):
        optimizer = optimizer()
    optimizer.setup(model)
    return steps(optimizer, model, grads)


def steps(optimizer, model, grads):
    for step_grads in grads:
        for param, grad in zip(model.params(), step_grads):
            param.grad = grad.copy()
        optimizer.update()
    return optimizer


def random_grads(model, n, dtype=numpy.float32):
    return [[numpy.random.standard_normal(p.shape).astype(dtype)
             for p in model.params()] for _ in range(n)]


def assert_same_params(model, reference):
    pairs = list(zip(sorted(model.namedparams()),
                     sorted(reference.namedparams())))
    assert pairs
    for (name, a), (_, b) in pairs:
        assert a.dtype == b.dtype
        numpy.testing.assert_array_equal(a.array, b.array, err_msg=name)
        assert a.update_rule.t == b.update_rule.t, name


@pytest.fixture(params=['compiled', 'numpy'])
def loop(request, monkeypatch):
    """Runs a test with the compiled loop and with the NumPy fallback."""
    if request.param == 'numpy':
        monkeypatch.setattr(adam_kernel, 'compiled', lambda: None)
        # A small block so that the blocked loop runs over several blocks.
        monkeypatch.setattr(adam_kernel, 'BLOCK', 1000)
    else:
        assert adam_kernel.compiled() is not None, 'numba is not installed'
    return request.param


OURS = {'Adam': Adam}


@pytest.mark.parametrize('ours', sorted(OURS))
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('hyperparams', [
    {}, {'alpha': 3e-3, 'beta1': 0.5}, {'eta': 0.5, 'eps': 1e-4}])
def test_bit_identical_to_chainer_adam(ours, dtype, hyperparams, loop):
    model = net(dtype, big=True)
    reference = model.copy(mode='copy')
    grads = random_grads(model, 4, dtype)
    run_steps(OURS[ours](**hyperparams), model, grads)
    run_steps(chainer.optimizers.Adam(**hyperparams), reference, grads)
    assert_same_params(model, reference)


def test_adam_updates_the_arrays_of_the_model_in_place():
    # Adam never replaces a parameter's array nor makes it a view of a
    # buffer of its own (the packing of small parameters did, until it was
    # measured at under 10 % of a step and removed, 2026-12-05).
    model = net(big=True)
    arrays = {name: p.array for name, p in model.namedparams()}
    optimizer = run_steps(Adam, model, random_grads(model, 3))
    for name, param in model.namedparams():
        assert param.array is arrays[name], name
        assert param.array.base is None, name
        for key in ('m', 'v'):
            assert param.update_rule.state[key].base is None, (name, key)
    assert not hasattr(optimizer, 'packer')


def test_a_state_of_another_shape_never_reaches_the_compiled_loop():
    # The loop reads m and v up to the parameter's size: a smaller state
    # (set by hand) takes Chainer's code, which refuses it.
    model = net()
    optimizer = run_steps(Adam, model, random_grads(model, 1))
    param = next(p for p in model.params() if p.size > 1)
    param.update_rule.state['m'] = numpy.zeros(1, param.dtype)
    with pytest.raises(ValueError, match='broadcast'):
        steps(optimizer, model, random_grads(model, 1))


@pytest.mark.parametrize('ours', sorted(OURS))
def test_options_outside_the_fast_path_fall_back_to_chainer(ours):
    model = net()
    reference = model.copy(mode='copy')
    grads = random_grads(model, 3)
    options = dict(amsgrad=True, weight_decay_rate=1e-2)
    run_steps(OURS[ours](**options), model, grads)
    run_steps(chainer.optimizers.Adam(**options), reference, grads)
    assert_same_params(model, reference)


@pytest.mark.parametrize('ours', sorted(OURS))
@pytest.mark.parametrize('loss_scale', [None, 8.0])
def test_update_with_a_loss_function_matches_chainer(ours, loss_scale):
    model = net()
    reference = model.copy(mode='copy')
    x = numpy.random.uniform(size=(5, 20)).astype(numpy.float32)
    for link, optimizer in ((model, OURS[ours]()),
                            (reference, chainer.optimizers.Adam())):
        optimizer.setup(link)
        if loss_scale is not None:
            optimizer.loss_scaling(scale=loss_scale)
        for _ in range(3):
            optimizer.update(link, x)
        assert optimizer.t == 3
    assert_same_params(model, reference)


@pytest.mark.parametrize('first, second', [
    ('Adam', 'chainer'), ('chainer', 'Adam')])
def test_state_loads_in_either_direction(tmp_path, first, second):
    classes = dict(OURS, chainer=chainer.optimizers.Adam)
    model = net()
    grads = random_grads(model, 5)
    optimizer = run_steps(classes[first], model, grads[:3])
    path = str(tmp_path / 'adam.npz')
    chainer.serializers.save_npz(path, optimizer)
    copy = model.copy(mode='copy')
    other = classes[second]()
    other.setup(copy)
    chainer.serializers.load_npz(path, other)
    assert other.t == 3
    for a, b in zip(model.params(), copy.params()):
        assert b.update_rule.t == 3
        for key in ('m', 'v'):
            numpy.testing.assert_array_equal(a.update_rule.state[key],
                                             b.update_rule.state[key])
    # Both go on identically from the loaded state.
    steps(optimizer, model, grads[3:])
    steps(other, copy, grads[3:])
    assert_same_params(model, copy)


COMPILE_ONCE = '''
import numpy
from vae_avb.optimizers import Adam, adam_kernel
assert adam_kernel.compiled() is not None
for dtype in (numpy.float32, numpy.float64):
    param = numpy.zeros(3, dtype)
    adam_kernel.AdamStep()(param, numpy.ones(3, dtype), numpy.zeros(3, dtype),
                           numpy.zeros(3, dtype), Adam().hyperparam, 1e-3)
    assert (param < 0).all()
'''


def compiled_cache_files(folder):
    return sorted(glob.glob(os.path.join(folder, '**', '*.nb[ic]'),
                            recursive=True))


@pytest.mark.parametrize('user_cache', [False, True])
def test_no_compiled_cache_is_written_into_the_package(tmp_path,
                                                       user_cache):
    package = os.path.dirname(os.path.abspath(adam_kernel.__file__))
    assert compiled_cache_files(package) == []
    env = dict(os.environ)
    env.pop('NUMBA_CACHE_DIR', None)
    env['PYTHONPATH'] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(package))] +
        [p for p in [env.get('PYTHONPATH')] if p])
    if user_cache:
        env['NUMBA_CACHE_DIR'] = str(tmp_path)
    subprocess.run([sys.executable, '-c', COMPILE_ONCE], check=True,
                   env=env, cwd=str(tmp_path))
    assert compiled_cache_files(package) == []
    # Numba caches only where the user asked it to.
    assert bool(compiled_cache_files(str(tmp_path))) == user_cache


def private_names_used(module):
    """``x._y`` where ``x`` is not ``self``, and ``self._y`` where a
    Chainer base class of the module's classes uses ``_y``."""
    tree = ast.parse(inspect.getsource(module))
    found = [node.attr for node in ast.walk(tree)
             if isinstance(node, ast.Attribute)
             and node.attr.startswith('_') and not node.attr.startswith('__')
             and not (isinstance(node.value, ast.Name)
                      and node.value.id == 'self')]
    own = {node.attr for node in ast.walk(tree)
           if isinstance(node, ast.Attribute) and node.attr.startswith('_')
           and not node.attr.startswith('__')}
    for value in vars(module).values():
        if inspect.isclass(value) and value.__module__ == module.__name__:
            for base in value.__mro__[1:]:
                if base.__module__.startswith('chainer'):
                    text = inspect.getsource(base)
                    found += [name for name in own
                              if re.search(r'\b{}\b'.format(name), text)]
    return sorted(set(found))


@pytest.mark.parametrize('module', [adam_module, adam_kernel],
                         ids=lambda m: m.__name__)
def test_public_chainer_api_only(module):
    assert private_names_used(module) == []
