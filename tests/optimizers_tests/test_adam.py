import numpy
import pytest

import chainer

from vae_avb.links import VAE
from vae_avb.optimizers import Adam
from vae_avb.optimizers import adam as adam_module


def run_steps(optimizer_class, model, grads, **hyperparams):
    optimizer = optimizer_class(**hyperparams)
    optimizer.setup(model)
    for step_grads in grads:
        for param, grad in zip(model.params(), step_grads):
            param.grad = grad.copy()
        optimizer.update()
    return optimizer


def random_grads(model, steps, dtype):
    return [[numpy.random.standard_normal(p.shape).astype(dtype)
             for p in model.params()] for _ in range(steps)]


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('hyperparams', [
    {}, {'alpha': 3e-3, 'beta1': 0.5}, {'eta': 0.5, 'eps': 1e-4}])
def test_bit_identical_to_chainer_adam(dtype, hyperparams, monkeypatch):
    # A small block so that the blocked loop runs over several blocks.
    monkeypatch.setattr(adam_module, 'BLOCK', 1000)
    with chainer.using_config('dtype', dtype):
        ours = VAE.mlp(50, 3, 40)
    reference = ours.copy(mode='copy')
    grads = random_grads(ours, 4, dtype)
    run_steps(Adam, ours, grads, **hyperparams)
    run_steps(chainer.optimizers.Adam, reference, grads, **hyperparams)
    for (name, a), (_, b) in zip(sorted(ours.namedparams()),
                                 sorted(reference.namedparams())):
        assert a.dtype == dtype
        numpy.testing.assert_array_equal(a.array, b.array, err_msg=name)


def test_options_outside_the_fast_path_fall_back_to_chainer():
    model = VAE.mlp(20, 2, 10)
    reference = model.copy(mode='copy')
    grads = random_grads(model, 3, numpy.float32)
    run_steps(Adam, model, grads, amsgrad=True, weight_decay_rate=1e-2)
    run_steps(chainer.optimizers.Adam, reference, grads, amsgrad=True,
              weight_decay_rate=1e-2)
    for a, b in zip(model.params(), reference.params()):
        numpy.testing.assert_array_equal(a.array, b.array)


def test_state_loads_into_chainer_adam(tmp_path):
    model = VAE.mlp(20, 2, 10)
    optimizer = run_steps(Adam, model, random_grads(model, 2, numpy.float32))
    path = str(tmp_path / 'adam.npz')
    chainer.serializers.save_npz(path, optimizer)
    other = chainer.optimizers.Adam()
    other.setup(model.copy(mode='copy'))
    chainer.serializers.load_npz(path, other)
    assert other.t == 2
    for a, b in zip(model.params(), other.target.params()):
        numpy.testing.assert_array_equal(a.update_rule.state['m'],
                                         b.update_rule.state['m'])
