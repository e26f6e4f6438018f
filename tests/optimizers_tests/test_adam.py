import numpy
import pytest

import chainer

from vae_avb.links import VAE
from vae_avb.optimizers import Adam
from vae_avb.optimizers import adam as adam_module
from vae_avb.optimizers import adam_kernel


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


def assert_same_params(model, reference):
    for (name, a), (_, b) in zip(sorted(model.namedparams()),
                                 sorted(reference.namedparams())):
        assert a.dtype == b.dtype
        numpy.testing.assert_array_equal(a.array, b.array, err_msg=name)


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


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('hyperparams', [
    {}, {'alpha': 3e-3, 'beta1': 0.5}, {'eta': 0.5, 'eps': 1e-4}])
@pytest.mark.parametrize('pack', [65536, 0])
def test_bit_identical_to_chainer_adam(dtype, hyperparams, pack, loop,
                                       monkeypatch):
    # pack=0 updates every parameter by itself; the default packs the
    # biases and small matrices of this model into one flat update.
    monkeypatch.setattr(adam_module, 'PACK', pack)
    with chainer.using_config('dtype', dtype):
        ours = VAE.mlp(50, 3, 40)
    reference = ours.copy(mode='copy')
    grads = random_grads(ours, 4, dtype)
    run_steps(Adam, ours, grads, **hyperparams)
    run_steps(chainer.optimizers.Adam, reference, grads, **hyperparams)
    assert_same_params(ours, reference)


def test_packed_parameters_are_views_of_one_buffer():
    model = VAE.mlp(50, 3, 40)
    optimizer = run_steps(Adam, model, random_grads(model, 1,
                                                    numpy.float32))
    (pack,) = optimizer._packs.values()
    assert len(pack.params) == len(list(model.params()))
    for param in model.params():
        assert param.array.base is pack.data
        assert param.update_rule.state['m'].base is pack.m
        assert param.update_rule.t == 1


def test_replaced_arrays_are_picked_up(loop):
    # A user (or a deserializer that was given no array) replaces a packed
    # parameter's array and a state: the next step repacks and still
    # matches Chainer's Adam.
    model = VAE.mlp(30, 2, 20)
    reference = model.copy(mode='copy')
    grads = random_grads(model, 3, numpy.float32)
    optimizer = run_steps(Adam, model, grads[:1])
    chainer_optimizer = run_steps(chainer.optimizers.Adam, reference,
                                  grads[:1])
    for link in (model, reference):
        param = link.encoder.head.b
        param.array = param.array + 1
        param.update_rule.state['m'] = param.update_rule.state['m'] * 2
    for optimizer_, link in ((optimizer, model),
                             (chainer_optimizer, reference)):
        for step_grads in grads[1:]:
            for param, grad in zip(link.params(), step_grads):
                param.grad = grad.copy()
            optimizer_.update()
    assert_same_params(model, reference)


def test_parameters_outside_the_pack_are_updated_one_by_one():
    # A disabled rule, a per-parameter learning rate and a hook keep
    # Chainer's per-parameter semantics.
    model = VAE.mlp(30, 2, 20)
    reference = model.copy(mode='copy')
    grads = random_grads(model, 3, numpy.float32)
    calls = []
    for link in (model, reference):
        optimizer = Adam() if link is model else chainer.optimizers.Adam()
        optimizer.setup(link)
        link.encoder.head.b.update_rule.enabled = False
        link.decoder.mlp[0].b.update_rule.hyperparam.alpha = 1e-2
        link.decoder.mlp[1].b.update_rule.add_hook(
            lambda rule, param: calls.append(param.name), name='h')
        for step_grads in grads:
            for param, grad in zip(link.params(), step_grads):
                param.grad = grad.copy()
            optimizer.update()
    assert calls == ['b'] * 6
    assert_same_params(model, reference)


def test_options_outside_the_fast_path_fall_back_to_chainer():
    model = VAE.mlp(20, 2, 10)
    reference = model.copy(mode='copy')
    grads = random_grads(model, 3, numpy.float32)
    run_steps(Adam, model, grads, amsgrad=True, weight_decay_rate=1e-2)
    run_steps(chainer.optimizers.Adam, reference, grads, amsgrad=True,
              weight_decay_rate=1e-2)
    assert_same_params(model, reference)


def test_update_with_a_loss_function_matches_chainer():
    model = VAE.mlp(20, 2, 10)
    reference = model.copy(mode='copy')
    x = numpy.random.uniform(size=(5, 20)).astype(numpy.float32)
    for link, optimizer in ((model, Adam()),
                            (reference, chainer.optimizers.Adam())):
        optimizer.setup(link)
        for _ in range(3):
            optimizer.update(
                lambda: chainer.functions.sum(link.decode(link.encode(x)[0])))
        assert optimizer.t == 3
    assert_same_params(model, reference)


@pytest.mark.parametrize('direction', ['ours->chainer', 'chainer->ours'])
def test_state_loads_in_either_direction(tmp_path, direction):
    model = VAE.mlp(20, 2, 10)
    first, second = (Adam, chainer.optimizers.Adam)
    if direction == 'chainer->ours':
        first, second = second, first
    grads = random_grads(model, 4, numpy.float32)
    optimizer = run_steps(first, model, grads[:2])
    path = str(tmp_path / 'adam.npz')
    chainer.serializers.save_npz(path, optimizer)
    copy = model.copy(mode='copy')
    other = second()
    other.setup(copy)
    chainer.serializers.load_npz(path, other)
    assert other.t == 2
    for a, b in zip(model.params(), copy.params()):
        numpy.testing.assert_array_equal(a.update_rule.state['m'],
                                         b.update_rule.state['m'])
    # Both go on identically from the loaded state.
    for optimizer_, link in ((optimizer, model), (other, copy)):
        for step_grads in grads[2:]:
            for param, grad in zip(link.params(), step_grads):
                param.grad = grad.copy()
            optimizer_.update()
    assert_same_params(model, copy)
