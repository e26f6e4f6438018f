"""The AVB authors' adversary (four towers, wide heads) against a NumPy
computation written here, its gradients, its family settings and its
flags."""
import dataclasses
import json

import numpy
import pytest

import chainer
from chainer import gradient_check

from vae_avb.links import Adversary
from vae_avb.links import HeadsAdversary
from vae_avb.methods import ConvNetworks
from vae_avb.methods import make_method
from vae_avb.methods import MethodConfig
from vae_avb.methods import MLPNetworks
from vae_avb.methods.config import config_from_dict
from vae_avb.methods.networks import _adversary_params


def naive_score(adversary, x, z):
    """T(x, z) from the weights, in NumPy."""
    def leaky(h):
        return numpy.where(h >= 0, h, 0.2 * h)

    def tower(mlp, h):
        for layer in mlp:
            h = leaky(h @ layer.W.array.T + layer.b.array)
        return h

    def dense(link, h):
        return h @ link.W.array.T + link.b.array

    x = 2 * x - 1
    theta = dense(adversary.theta, tower(adversary.theta_tower, x))
    theta = numpy.where(theta > 0, theta, numpy.expm1(theta))
    s = dense(adversary.s, tower(adversary.s_tower, z))
    tx = dense(adversary.x_head, tower(adversary.x_tower, x))[:, 0]
    tz = dense(adversary.z_head, tower(adversary.z_tower, z))[:, 0]
    return (theta * s).sum(1) + tx + tz + 0.5 * (z * z).sum(1)


def randomized(adversary, rng):
    """Weights of order one everywhere, so that every term counts."""
    for param in adversary.params():
        param.array[...] = rng.normal(scale=0.3, size=param.shape)
    return adversary


def test_score_equals_naive_computation():
    rng = numpy.random.RandomState(0)
    adversary = randomized(
        HeadsAdversary(6, 3, n_hidden=5, n_layers=2, n_heads=7), rng)
    x = rng.uniform(size=(4, 6)).astype(numpy.float32)
    z = rng.normal(size=(4, 3)).astype(numpy.float32)
    numpy.testing.assert_allclose(adversary(x, z).array,
                                  naive_score(adversary, x, z), rtol=1e-5,
                                  atol=1e-5)


def test_shared_x_equals_tiled_x_and_constant_equals_forward():
    rng = numpy.random.RandomState(1)
    adversary = randomized(HeadsAdversary(6, 3, 5, 2, 7), rng)
    x = rng.uniform(size=(4, 6)).astype(numpy.float32)
    z = rng.normal(size=(12, 3)).astype(numpy.float32)
    shared = adversary(x, z, shared_x=True).array
    numpy.testing.assert_allclose(
        shared, adversary(numpy.tile(x, (3, 1)), z).array, rtol=1e-6)
    zv = chainer.Variable(z)
    t = adversary.constant(x, zv, shared_x=True)
    numpy.testing.assert_allclose(t.array, shared, rtol=1e-6)
    adversary.cleargrads()
    chainer.functions.sum(t).backward()
    assert zv.grad is not None
    assert all(p.grad is None for p in adversary.params())


def test_gradients():
    rng = numpy.random.RandomState(2)
    adversary = randomized(HeadsAdversary(4, 2, 3, 2, 5), rng)
    adversary.to_device('@numpy')
    for p in adversary.params():
        p.array = p.array.astype(numpy.float64)
    x = rng.uniform(size=(3, 4))
    z = rng.normal(size=(3, 2))
    params = tuple(adversary.params())
    gradient_check.check_backward(
        lambda x, z: adversary(x, z), (x, z), rng.normal(size=3),
        params=params, dtype=numpy.float64, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_starts_near_its_side_terms():
    # theta's last layer is drawn with std 1e-5 (the authors'): the wide
    # inner product starts near zero however many heads there are.
    rng = numpy.random.RandomState(3)
    adversary = HeadsAdversary(784, 8, 64, 2, 8192, prior_term=False)
    x = rng.uniform(size=(5, 784)).astype(numpy.float32)
    z = rng.normal(size=(5, 8)).astype(numpy.float32)
    assert float(adversary.theta.W.array.std()) == pytest.approx(1e-5,
                                                                 rel=0.05)
    t = adversary(x, z).array
    side = (adversary.x_head(adversary.x_tower(2 * x - 1)).array[:, 0] +
            adversary.z_head(adversary.z_tower(z)).array[:, 0])
    numpy.testing.assert_allclose(t, side, atol=1e-2)


@pytest.mark.parametrize('kwargs, message', [
    (dict(n_heads=0), 'n_heads'), (dict(n_heads=2.5), 'n_heads'),
    (dict(n_hidden=0), 'n_hidden'), (dict(n_layers=0), 'n_layers'),
    (dict(head_scale=0.), 'head_scale'),
    (dict(head_scale=float('nan')), 'head_scale'),
    (dict(initialW='xavier'), 'initialW')])
def test_bad_settings_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError),
                       match='HeadsAdversary: ' + message):
        HeadsAdversary(4, 2, **dict(dict(n_hidden=3, n_heads=4), **kwargs))


def test_bad_input_is_named():
    adversary = HeadsAdversary(4, 2, 3, 1, 5)
    x = numpy.zeros((3, 4), numpy.float32)
    with pytest.raises(ValueError, match='x has 3 rows but z has 2'):
        adversary(x, numpy.zeros((2, 2), numpy.float32))
    with pytest.raises(ValueError, match='HeadsAdversary'):
        adversary(x, numpy.zeros((3, 5), numpy.float32))


def weights(link):
    return sum(p.size for name, p in link.namedparams()
               if not name.endswith('/b'))


@pytest.mark.parametrize('networks', [
    MLPNetworks(dim_h=16, adversary_dim_h=8, adversary_layers=2,
                adversary_activation='leaky_relu', adversary_heads=32),
    ConvNetworks(channels=(4, 4), dense=(16,), decoder_dense=(16,),
                 decoder_channels=(4, 4, 1), decoder_strides=(2, 2, 1),
                 n_noise_hidden=8, adversary_dim_h=8, adversary_layers=2,
                 adversary_activation='leaky_relu', adversary_heads=32)],
    ids=['mlp', 'conv'])
@pytest.mark.parametrize('method', ['avb', 'avb_ac'])
def test_families_build_it_and_count_it(networks, method):
    config = MethodConfig(method=method, dim_z=4, networks=networks)
    model = make_method(config).build()
    assert isinstance(model.adversary, HeadsAdversary)
    assert model.adversary.n_heads == 32
    x = numpy.random.RandomState(0).uniform(size=(3, 784)).astype('f')
    assert numpy.isfinite(float(model.loss(x).array))
    assert numpy.isfinite(float(model.adversary_loss(x).array))
    base = MethodConfig(method=method, dim_z=4, networks=_without_heads(
        networks))
    # The size estimate grows by the adversary's weights exactly.
    assert config.n_params() - base.n_params() == \
        weights(model.adversary) - weights(
            make_method(base).build().adversary)
    text = json.dumps(config.to_dict())
    assert config_from_dict(json.loads(text)) == config
    # Both adversaries' sizes are estimated exactly.
    assert _adversary_params(networks, config) == weights(model.adversary)
    assert _adversary_params(base.networks, base) == weights(
        make_method(base).build().adversary)


def _without_heads(networks):
    return dataclasses.replace(networks, adversary_heads=0)


def test_zero_heads_is_the_two_tower_adversary():
    model = make_method(MethodConfig(method='avb', dim_z=4,
                                     networks=MLPNetworks(dim_h=8))).build()
    assert type(model.adversary) is Adversary


@pytest.mark.parametrize('value', [-1, 1.5, True, '8192'])
def test_bad_heads_setting_is_named(value):
    with pytest.raises(ValueError, match='adversary_heads must be'):
        MLPNetworks(adversary_heads=value)
    with pytest.raises(ValueError, match='adversary_heads must be'):
        ConvNetworks(adversary_heads=value)


def test_heads_without_side_terms_is_refused_by_the_configuration():
    with pytest.raises(ValueError, match='side_terms must be true with '
                       'adversary_heads'):
        MethodConfig(networks=MLPNetworks(adversary_heads=8,
                                          adversary_dim_h=8),
                     side_terms=False)
    # A VAE has no adversary: nothing to refuse.
    MethodConfig(method='vae', networks=MLPNetworks(adversary_heads=8),
                 side_terms=False)


def test_head_scale_must_keep_the_weights_finite():
    """Defect 10: head_scale=1e300 drew infinite weights: NaN scores."""
    with pytest.raises(ValueError, match=r'HeadsAdversary: head_scale \(the '
                       r'standard deviation of theta\'s weights\) must be '
                       r'below 3.40282e\+37 for float32 weights, got 1e\+300'):
        HeadsAdversary(4, 2, 3, 1, 5, head_scale=1e300)
    with pytest.raises(ValueError, match='HeadsAdversary: initial_bias must '
                       'fit'):
        HeadsAdversary(4, 2, 3, 1, 5, initial_bias=1e39)


@pytest.mark.parametrize('kwargs, message', [
    (dict(center_x='no'), 'center_x must be True or False'),
    (dict(prior_term=None), 'prior_term must be True or False'),
    (dict(n_layers=True), 'n_layers must be an integer from 1 to 1000'),
    (dict(initialW=numpy.zeros((3, 4), 'f')),
     r'initialW is an array of shape \(3, 4\)'),
])
def test_more_bad_settings_are_named(kwargs, message):
    """Defects 06, 11, 13."""
    with pytest.raises((ValueError, TypeError),
                       match='HeadsAdversary: ' + message):
        HeadsAdversary(4, 2, **dict(dict(n_hidden=3, n_layers=1,
                                         n_heads=5), **kwargs))


def test_shared_x_must_be_a_bool():
    adversary = HeadsAdversary(4, 2, 3, 1, 5)
    with pytest.raises(TypeError, match='HeadsAdversary: shared_x must be '
                       'True or False'):
        adversary(numpy.zeros((3, 4), 'f'), numpy.zeros((6, 2), 'f'),
                  shared_x='yes')
