import numpy
import pytest

import chainer

from tests.losses_tests import naive
from vae_avb.links import Adversary
from vae_avb.links import NoiseEncoder


def points(n):
    return numpy.eye(4, dtype=numpy.float32)[numpy.arange(n) % 4]


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('n_noise', [None, 5])
def test_noise_encoder_shapes(dtype, n_noise):
    with chainer.using_config('dtype', dtype):
        encoder = NoiseEncoder(4, 2, n_noise, 16)
    z = encoder(points(6).astype(dtype))
    assert z.shape == (6, 2)
    assert z.dtype == dtype
    assert encoder.n_noise == (2 if n_noise is None else n_noise)


def test_noise_encoder_is_stochastic_and_uses_eps():
    encoder = NoiseEncoder(4, 2, 3, 16)
    x = points(4)
    assert not numpy.allclose(encoder(x).array, encoder(x).array)
    eps = encoder.sample_noise(4)
    numpy.testing.assert_array_equal(encoder(x, eps).array,
                                     encoder(x, eps).array)


def test_noise_encoder_centers_x():
    encoder = NoiseEncoder(4, 2, 3, 16, center_x=True)
    plain = NoiseEncoder(4, 2, 3, 16, center_x=False)
    plain.copyparams(encoder)
    x = points(4)
    eps = encoder.sample_noise(4)
    numpy.testing.assert_allclose(encoder(x, eps).array,
                                  plain(2 * x - 1, eps).array, rtol=1e-6)


def test_noise_encoder_bad_eps():
    encoder = NoiseEncoder(4, 2, 3, 16)
    with pytest.raises(ValueError, match=r'NoiseEncoder: eps has shape '
                       r'\(4, 2\), expected \(batch, 3\); pass noise of '
                       r'shape \(batch, 3\) or None'):
        encoder(points(4), numpy.zeros((4, 2), numpy.float32))
    # One noise row per example, in one line (not NumPy's concatenate).
    for call in (encoder, encoder.sample):
        with pytest.raises(ValueError, match='NoiseEncoder: eps has 5 rows '
                           'but x has 4; pass one noise row per example'):
            call(points(4), numpy.zeros((5, 3), numpy.float32))


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('prior_term', [False, True])
def test_adversary_shape(dtype, prior_term):
    with chainer.using_config('dtype', dtype):
        adversary = Adversary(4, 2, 16, 2, prior_term=prior_term)
    t = adversary(points(6).astype(dtype),
                  numpy.random.normal(size=(6, 2)).astype(dtype))
    assert t.shape == (6,)
    assert t.dtype == dtype


def test_adversary_is_tower_inner_product():
    x = points(3)
    z = numpy.random.normal(size=(3, 2)).astype(numpy.float32)
    adversary = Adversary(4, 2, 16, 2, 'relu', center_x=False)

    def tower(chain, h):
        h = numpy.maximum(0, h @ chain[0].W.array.T + chain[0].b.array)
        return h @ chain[1].W.array.T + chain[1].b.array

    expected = (tower(adversary.x_tower, x)
                * tower(adversary.z_tower, z)).sum(axis=1) / 16
    numpy.testing.assert_allclose(adversary(x, z).array, expected,
                                  rtol=1e-5, atol=1e-7)


def test_adversary_prior_term_adds_half_squared_norm():
    adversary = Adversary(4, 2, 16, prior_term=True)
    without = Adversary(4, 2, 16, prior_term=False)
    without.copyparams(adversary)
    x = points(5)
    z = numpy.random.normal(size=(5, 2)).astype(numpy.float32)
    numpy.testing.assert_allclose(
        adversary(x, z).array - without(x, z).array,
        0.5 * (z ** 2).sum(axis=1), rtol=1e-5, atol=1e-6)


def test_adversary_depends_on_x():
    adversary = Adversary(4, 2, 32)
    z = numpy.tile(numpy.random.normal(size=(1, 2)).astype(numpy.float32),
                   (4, 1))
    t = adversary(points(4), z).array
    # Same z, four different x: four different scores.
    assert len(numpy.unique(numpy.round(t, 6))) == 4
    x = chainer.Variable(points(4))
    chainer.functions.sum(adversary(x, z)).backward()
    assert numpy.abs(x.grad).sum() > 0


def test_adversary_rows_must_match():
    adversary = Adversary(4, 2, 16)
    with pytest.raises(ValueError, match='rows'):
        adversary(points(4), numpy.zeros((3, 2), numpy.float32))


def test_adversary_can_be_negative():
    # T* = log q - log p is negative wherever the prior outweighs the
    # posterior; ReLU-activated towers (seed 004) would force T >= 0.
    adversary = Adversary(4, 2, 32)
    t = adversary(points(400), numpy.random.normal(
        size=(400, 2)).astype(numpy.float32)).array
    assert (t < 0).any() and (t > 0).any()


@pytest.mark.parametrize('prior_term', [False, True])
@pytest.mark.parametrize('side_terms', [False, True])
@pytest.mark.parametrize('frozen', [False, True])
def test_adversary_shared_x_scores_each_group_with_the_same_x(
        path, prior_term, side_terms, frozen):
    # Every combination of the flags on both paths, against a NumPy
    # reference; with side_terms on the reference path the x-only term
    # once failed to reshape (issue 23).
    adversary = Adversary(4, 2, 16, 2, prior_term=prior_term,
                          side_terms=side_terms)
    score = adversary.constant if frozen else adversary
    if side_terms:
        for head in (adversary.x_head, adversary.z_head):
            head.b.array[...] = numpy.random.uniform(-1, 1, head.b.shape)
    x = points(3)
    z = numpy.random.standard_normal((6, 2)).astype(numpy.float32)
    xx = numpy.concatenate((x, x))
    expected = naive.adversary(adversary, xx, z)
    shared = score(x, z, shared_x=True)
    tiled = score(xx, z)
    numpy.testing.assert_allclose(shared.array, expected, rtol=1e-5,
                                  atol=1e-6)
    numpy.testing.assert_allclose(tiled.array, expected, rtol=1e-5,
                                  atol=1e-6)
    # Gradients reach z alike; the parameters only when not frozen.
    zv = chainer.Variable(z)
    adversary.cleargrads()
    chainer.functions.sum(score(x, zv, shared_x=True)).backward()
    grad_shared = zv.grad.copy()
    got = [p.grad is not None for p in adversary.params()]
    assert not any(got) if frozen else all(got)
    zv = chainer.Variable(z)
    chainer.functions.sum(score(xx, zv)).backward()
    numpy.testing.assert_allclose(grad_shared, zv.grad, rtol=1e-5,
                                  atol=1e-6)


def test_adversary_shared_x_needs_whole_groups():
    adversary = Adversary(4, 2, 16, 2)
    z = numpy.zeros((5, 2), numpy.float32)
    with pytest.raises(ValueError, match='k per x with shared_x'):
        adversary(points(2), z, shared_x=True)


def test_noise_encoder_sample_is_forward_without_a_graph(path):
    encoder = NoiseEncoder(4, 2, 3, 16)
    x = points(5)
    eps = encoder.sample_noise(5)
    sample = encoder.sample(x, eps)
    assert isinstance(sample, numpy.ndarray)
    numpy.testing.assert_array_equal(sample, encoder(x, eps).array)
    # Drawn noise comes from the global random state, as forward's.
    numpy.random.seed(4)
    drawn = encoder.sample(x)
    numpy.random.seed(4)
    numpy.testing.assert_array_equal(drawn, encoder(x).array)


def test_constant_tower_on_data_builds_no_graph(path):
    # The encoder's AVB step scores (x, z) with a constant adversary: the
    # x tower on data is a constant, z still gets its gradient.
    adversary = Adversary(4, 2, 16, 2)
    adversary.cleargrads()
    x = points(4)
    g = adversary.x_tower.constant(x)
    assert g.creator is None and not g.requires_grad
    z = chainer.Variable(numpy.random.standard_normal((4, 2)).astype('f'))
    chainer.functions.sum(adversary.constant(x, z)).backward()
    assert z.grad is not None and numpy.abs(z.grad).sum() > 0
    assert all(p.grad is None for p in adversary.params())


@pytest.mark.parametrize('kwargs, message', [
    (dict(n_noise=0), 'n_noise must be an integer from 1 to 2147483647, '
     'got 0'),
    (dict(n_noise=-3), 'n_noise must be an integer from 1'),
    (dict(n_noise=True), 'n_noise must be an integer from 1'),
    (dict(n_noise='2'), 'n_noise must be an integer from 1'),
    (dict(n_in=0), 'n_in must be an integer from 1'),
    (dict(n_latent=2.5), 'n_latent must be an integer from 1'),
    (dict(n_hidden=None), 'n_hidden must be an integer from 1'),
    (dict(n_layers=1.5), 'n_layers must be an integer from 0 to 1000'),
    (dict(n_noise=2 ** 31 - 5), r'n_in \+ n_noise is 2147483653, above '
     r'2147483647'),
])
def test_noise_encoder_checks_its_sizes(kwargs, message):
    """Defect 01: n_noise=0 built a deterministic 'implicit' encoder,
    n_in=0 was taken, -3, True and '2' failed deep inside."""
    args = dict(n_in=10, n_latent=2, n_hidden=3, n_layers=1)
    args.update(kwargs)
    with pytest.raises(ValueError, match='NoiseEncoder: ' + message):
        NoiseEncoder(**args)


def test_noise_encoder_hint_names_eps():
    """Defect 09: the hint said numpy.asarray(x, ...) for eps."""
    encoder = NoiseEncoder(4, 2, n_hidden=3, n_layers=1)
    with pytest.raises(TypeError, match=r'NoiseEncoder: eps must be an array'
                       r'.*numpy.asarray\(eps, numpy.float32\)'):
        encoder(points(1), [[0., 0.]])


@pytest.mark.parametrize('batch_size', [-1, 0, 2.5, True, None])
def test_noise_encoder_sample_noise_count(batch_size):
    """Defect 12: NumPy's errors (or an empty draw)."""
    encoder = NoiseEncoder(4, 2, n_hidden=3, n_layers=1)
    with pytest.raises(ValueError, match='NoiseEncoder.sample_noise: '
                       'batch_size must be an integer from 1'):
        encoder.sample_noise(batch_size)
    assert encoder.sample_noise(3.0).shape == (3, 2)


def test_noise_encoder_array_initializer_must_fit():
    """Defect 11: the broadcast ValueError of chainer/backend.py."""
    with pytest.raises(ValueError, match=r'NoiseEncoder: initialW is an '
                       r'array of shape \(3, 6\) but it initialises layers '
                       r'of shapes \(3, 6\), \(2, 3\)'):
        NoiseEncoder(4, 2, n_hidden=3, n_layers=1,
                     initialW=numpy.zeros((3, 6), 'f'))


@pytest.mark.parametrize('make, message', [
    (lambda: Adversary(4, 2, 3, n_layers='2'),
     r"Adversary: n_layers must be an integer from 1 to 1000, got '2'"),
    (lambda: Adversary(4, 2, 3, n_layers=None),
     'Adversary: n_layers must be an integer from 1 to 1000, got None'),
    (lambda: Adversary(4, 2, 3, n_layers=True),
     'Adversary: n_layers must be an integer from 1 to 1000, got True'),
    (lambda: Adversary(4, 2, 3, n_layers=1.5),
     'Adversary: n_layers must be an integer from 1 to 1000, got 1.5'),
    (lambda: Adversary(4, 0, 3), 'Adversary: n_latent must be an integer '
     'from 1 to 2147483647, got 0'),
    (lambda: Adversary(0, 2, 3), 'Adversary: n_in must be an integer'),
    (lambda: Adversary(4, 2, -3), 'Adversary: n_hidden must be an integer'),
])
def test_adversary_checks_its_sizes(make, message):
    """Defect 06: n_layers was compared with '<' before any type check, and
    the sizes were refused by MLP with its own name."""
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize('flag', ['center_x', 'prior_term', 'side_terms'])
@pytest.mark.parametrize('value', ['False', 0, None])
def test_adversary_flags_must_be_bools(flag, value):
    """Defect 13: center_x='False' still centred."""
    with pytest.raises(TypeError, match='Adversary: {} must be True or '
                       'False, got {!r}'.format(flag, value).replace(
                           '(', r'\(')):
        Adversary(4, 2, 3, 1, **{flag: value})
    assert Adversary(4, 2, 3, 1, **{flag: numpy.False_}).__dict__[flag] is \
        False


@pytest.mark.parametrize('method', ['forward', 'constant'])
def test_adversary_shared_x_must_be_a_bool(method):
    """Defect 13: shared_x='no' took 6 z rows for 3 x rows."""
    adversary = Adversary(4, 2, 3, 1)
    with pytest.raises(TypeError, match="Adversary: shared_x must be True or "
                       "False, got 'no'"):
        getattr(adversary, method)(points(3), numpy.zeros((6, 2), 'f'),
                                   shared_x='no')


@pytest.mark.parametrize('value', ['False', 1])
def test_noise_encoder_center_x_must_be_a_bool(value):
    with pytest.raises(TypeError, match='NoiseEncoder: center_x must be '
                       'True or False'):
        NoiseEncoder(4, 2, center_x=value)
