"""``initialW`` and ``initial_bias`` on every Link that makes layers."""
import numpy
import pytest

import chainer
from chainer import initializers

from vae_avb.links import AdaptiveContrastEncoder
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import GaussianEncoder
from vae_avb.links import MLP
from vae_avb.links import NoiseBases
from vae_avb.links import NoiseEncoder
from vae_avb.links import VAE

# Every Link that makes layers, built small, with the keyword arguments.
BUILDERS = {
    'MLP': lambda **kw: MLP(5, 6, 4, 2, **kw),
    'GaussianEncoder': lambda **kw: GaussianEncoder(5, 3, 6, 2, **kw),
    'BernoulliDecoder': lambda **kw: BernoulliDecoder(3, 5, 6, 2, **kw),
    'VAE.mlp': lambda **kw: VAE.mlp(5, 3, 6, 2, **kw),
    'NoiseEncoder': lambda **kw: NoiseEncoder(5, 3, 2, 6, 2, **kw),
    'Adversary': lambda **kw: Adversary(5, 3, 6, 2, side_terms=True, **kw),
    'NoiseBases': lambda **kw: NoiseBases(2, 3, 4, 6, 1, **kw),
    'AdaptiveContrastEncoder': lambda **kw: AdaptiveContrastEncoder(
        5, 3, 2, 4, 6, 1, n_noise_hidden=6, n_noise_layers=1, **kw),
}


def weights_and_biases(link):
    weights, biases = [], []
    for name, param in link.namedparams():
        (biases if name.rsplit('/', 1)[-1] == 'b' else weights).append(param)
    return weights, biases


@pytest.mark.parametrize('name', sorted(BUILDERS))
def test_constant_initializers_reach_every_layer(name):
    link = BUILDERS[name](initialW=initializers.Constant(0.25),
                          initial_bias=0.5)
    weights, biases = weights_and_biases(link)
    assert weights and biases
    for param in weights:
        assert (param.array == 0.25).all()
    for param in biases:
        assert (param.array == 0.5).all()


@pytest.mark.parametrize('name', sorted(BUILDERS))
def test_default_is_unchanged(name):
    """``None`` gives the Xavier weights and zero biases of before: the same
    draws from the same seed as a Link built without the arguments."""
    numpy.random.seed(0)
    default = BUILDERS[name]()
    numpy.random.seed(0)
    explicit = BUILDERS[name](initialW=None, initial_bias=None)
    for (_, a), (_, b) in zip(sorted(default.namedparams()),
                              sorted(explicit.namedparams())):
        numpy.testing.assert_array_equal(a.array, b.array)
    _, biases = weights_and_biases(default)
    for param in biases:
        if not isinstance(default, Adversary):
            assert (param.array == 0).all()


def test_default_xavier_bounds():
    encoder = GaussianEncoder(784, 20, 500)
    # The packed head keeps the bound of one 500 -> 20 head.
    assert abs(encoder.head.W.array).max() <= numpy.sqrt(6 / 520)
    assert abs(encoder.head.W.array).max() > 0.9 * numpy.sqrt(6 / 520)
    assert abs(encoder.body[0].W.array).max() <= numpy.sqrt(6 / 1284)


def test_lecun_normal_statistics():
    numpy.random.seed(1)
    encoder = GaussianEncoder(784, 20, 500,
                              initialW=initializers.LeCunNormal())
    assert encoder.body[0].W.array.std() == pytest.approx(
        1 / numpy.sqrt(784), rel=0.02)
    assert encoder.head.W.array.std() == pytest.approx(
        1 / numpy.sqrt(500), rel=0.05)


def test_noise_bases_read_the_fans_of_one_layer():
    """Each basis's matrix is drawn as one Linear layer's, with its fans:
    LeCunNormal's scale is 1 / sqrt(fan_in), the layer's input size."""
    numpy.random.seed(2)
    bases = NoiseBases(400, 3, 50, 30, 0,
                       initialW=initializers.LeCunNormal())
    w = bases.noise_W[0].W.array
    assert w.shape == (50, 400, 3)
    assert w.std() == pytest.approx(1 / numpy.sqrt(400), rel=0.03)
    # Bases differ from one another (a draw per basis).
    assert not numpy.array_equal(w[0], w[1])


@pytest.mark.parametrize('name', sorted(BUILDERS))
@pytest.mark.parametrize('bad, error', [
    ('lecun', TypeError), ([0.1, 0.2], TypeError), (True, TypeError),
    (float('nan'), ValueError), (float('inf'), ValueError)])
def test_bad_initializers_are_refused(name, bad, error):
    for key in ('initialW', 'initial_bias'):
        with pytest.raises(error, match=key):
            BUILDERS[name](**{key: bad})


def test_trained_with_either_initializer():
    """A VAE trains from Chainer's initializer as from Xavier."""
    from vae_avb.losses import ELBOLoss
    rng = numpy.random.RandomState(0)
    x = (rng.uniform(size=(64, 20)) < rng.uniform(size=20)).astype('f')
    for init in (None, initializers.LeCunNormal()):
        numpy.random.seed(0)
        loss = ELBOLoss(VAE.mlp(20, 2, 16, initialW=init))
        optimizer = chainer.optimizers.Adam(1e-2)
        optimizer.setup(loss)
        first = float(loss(x).array)
        for _ in range(100):
            optimizer.update(loss, x)
        assert float(loss(x).array) < first - 2


@pytest.mark.parametrize('name', sorted(BUILDERS))
@pytest.mark.parametrize('value', [1e300, -1e39, 10 ** 400,
                                   numpy.float64(4e38)])
def test_overflowing_numbers_are_refused(name, value):
    """Defect 10: a finite number beyond float32 gave inf parameters (and
    inf or NaN outputs)."""
    for key in ('initialW', 'initial_bias'):
        with pytest.raises(ValueError, match='{}: {} must fit the '
                           'parameters\' dtype float32'.format(
                               name.split('.')[0].replace('VAE', '\\w+'),
                               key)) as info:
            BUILDERS[name](**{key: value})
        assert '\n' not in str(info.value)


@pytest.mark.parametrize('name', sorted(BUILDERS))
def test_arrays_that_fit_no_layer_are_refused(name):
    """Defect 11: an array that does not fit each layer failed in
    chainer/backend.py with a broadcast error naming no argument."""
    for key in ('initialW', 'initial_bias'):
        with pytest.raises(ValueError, match=r'\w+: {} is an array of shape '
                           r'\(7, 7\) but it initialises layers of shapes '
                           .format(key)) as info:
            BUILDERS[name](**{key: numpy.zeros((7, 7), numpy.float32)})
        assert '\n' not in str(info.value)


@pytest.mark.parametrize('name', sorted(BUILDERS))
def test_arrays_that_broadcast_to_every_layer_are_taken(name):
    link = BUILDERS[name](initialW=numpy.full((1, 1), 0.25),
                          initial_bias=numpy.array(0.5))
    weights, biases = weights_and_biases(link)
    assert all((p.array == 0.25).all() for p in weights)
    assert all((p.array == 0.5).all() for p in biases)
