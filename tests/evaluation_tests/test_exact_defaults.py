"""Issue 25: the evaluation defaults against exact values.

``quadrature_log_likelihood``'s default (adaptive) grid and
``ais_log_likelihood``'s default (adapted step) on a small trained model
whose posteriors include some reaching beyond |z| = 5, narrow ones and
bimodal ones, against a brute-force log p(x) computed here with NumPy
alone; and hand-set decoders whose log p(x) is a product of 1-D
integrals.
"""
import functools
import itertools

import numpy
import pytest

import chainer

from vae_avb import experiment as ex
from vae_avb.evaluation import ais_log_likelihood
from vae_avb.evaluation import quadrature_log_likelihood
from vae_avb.links import BernoulliDecoder
from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss

D = 12


def numpy_log_f(layers, x, z):
    """``log p(x|z) + log p(z)``, ``(len(z), len(x))``, in float64: a tanh
    MLP, a Bernoulli likelihood and the prior N(0, I), by hand."""
    h = z
    for i, (W, b) in enumerate(layers):
        h = h.dot(W.T) + b
        if i < len(layers) - 1:
            h = numpy.tanh(h)
    log_px = h.dot(x.T) - numpy.logaddexp(0., h).sum(axis=1, keepdims=True)
    return log_px - 0.5 * (z ** 2).sum(axis=1, keepdims=True) - \
        numpy.log(2 * numpy.pi)


def midpoints(limit, step):
    n = int(round(2 * limit / step))
    axis = -limit + step * (numpy.arange(n) + 0.5)
    return numpy.stack(numpy.meshgrid(axis, axis, indexing='ij'),
                       axis=-1).reshape(-1, 2), n


def brute_force(layers, x, limit=10., step=0.02, chunk=20000):
    """The midpoint rule over ``[-limit, limit]^2`` (10^6 points by
    default), chunk by chunk: ``log p(x)``, the largest difference of its
    four sub-grids of every other point (``2 step`` apart) from it, the
    share of the outermost ring of cells, and the posterior's standard
    deviations ``(N, 2)``."""
    z, n = midpoints(limit, step)
    i, j = numpy.arange(len(z)) // n, numpy.arange(len(z)) % n
    parity = i % 2 * 2 + j % 2
    ring = (i == 0) | (j == 0) | (i == n - 1) | (j == n - 1)
    x = x.astype(numpy.float64)
    top = numpy.full(len(x), -numpy.inf)
    sums = numpy.zeros((10, len(x)))
    for begin in range(0, len(z), chunk):
        rows = slice(begin, begin + chunk)
        log_f = numpy_log_f(layers, x, z[rows])
        new_top = numpy.maximum(top, log_f.max(axis=0))
        sums *= numpy.exp(top - new_top)
        top = new_top
        w = numpy.exp(log_f - top)
        sums += numpy.stack(
            [w.sum(0), w[ring[rows]].sum(0)]
            + [w[parity[rows] == p].sum(0) for p in range(4)]
            + [z[rows, k] ** e @ w for k in (0, 1) for e in (1, 2)])
    log_px = top + numpy.log(sums[0] * step ** 2)
    sub = top + numpy.log(sums[2:6] * (2 * step) ** 2)
    mean = sums[[6, 8]] / sums[0]
    std = numpy.sqrt(sums[[7, 9]] / sums[0] - mean ** 2).T
    return log_px, numpy.abs(sub - log_px).max(), (sums[1] / sums[0]).max(), \
        std


@pytest.fixture(scope='module')
def trained():
    """A VAE of 12 pixels, a 2-D latent and one hidden layer of 64,
    trained 3000 steps on eight binary prototypes (three seconds); the
    data points: the prototypes and, among all 4096 binary images, the
    four whose posterior has most mass beyond |z| = 5, the three
    narrowest and the two widest (bimodal), on a coarse grid."""
    rng = numpy.random.RandomState(0)
    prototypes = (rng.rand(8, D) < 0.5).astype(numpy.float32)
    data = prototypes[rng.randint(0, 8, 1024)]
    numpy.random.seed(0)
    vae = VAE.mlp(D, 2, 64, 1, 'tanh')
    loss = ELBOLoss(vae)
    optimizer = chainer.optimizers.Adam(3e-3)
    optimizer.setup(loss)
    for _ in range(3000):
        optimizer.update(loss, data[numpy.random.randint(0, 1024, 64)])
    layers = [(layer.W.array.astype(numpy.float64),
               layer.b.array.astype(numpy.float64))
              for layer in vae.decoder.mlp]
    images = numpy.array(list(itertools.product([0, 1], repeat=D)),
                         numpy.float64)
    z, _ = midpoints(10., 0.25)
    log_f = numpy_log_f(layers, images, z)
    posterior = numpy.exp(log_f - log_f.max(axis=0))
    posterior /= posterior.sum(axis=0)
    beyond = posterior[(numpy.abs(z) > 5).any(axis=1)].sum(axis=0)
    mean = posterior.T.dot(z)
    std = numpy.sqrt(numpy.maximum(
        posterior.T.dot(z ** 2) - mean ** 2, 0)).max(axis=1)
    picked = numpy.concatenate([numpy.argsort(-beyond)[:4],
                                numpy.argsort(std)[:3],
                                numpy.argsort(-std)[:2]])
    x = numpy.concatenate([prototypes,
                           images[picked].astype(numpy.float32)])
    exact, sub_grids, ring, std = brute_force(layers, x)
    # The brute force has converged: its sub-grids of twice the spacing
    # agree to 1e-8 nats, and nothing lies at its edge.
    assert sub_grids < 1e-8 and ring < 1e-12
    return vae, x, exact, std, layers


def test_the_trained_model_is_hard(trained):
    vae, x, exact, std, layers = trained
    # The former default (|z| <= 5) misses posterior mass: by 0.28 nats
    # here (measured), more than 0.05 on at least two examples.
    old = quadrature_log_likelihood(vae.decoder, x, limit=5.)
    assert numpy.sum(numpy.abs(old - exact) > 0.05) >= 2
    # Narrow posteriors: a standard deviation of 0.08 (measured; the
    # locate grid's spacing is 0.25).
    assert std.min() < 0.12
    # Bimodal: one of the two widest has separate modes (over 2 apart),
    # each within 3 nats of the highest point (measured: at (0.9, -0.3)
    # and (-3.4, -0.1), 1.4 nats lower; the other at (0.0, 0.9) and
    # (-4.5, 0.3), 3.0 nats lower).
    z, n = midpoints(6., 0.1)
    spans = []
    for log_f in numpy_log_f(layers, x[-2:].astype(numpy.float64), z).T:
        grid = log_f.reshape(n, n)
        padded = numpy.pad(grid, 1, constant_values=-numpy.inf)
        neighbours = numpy.max([padded[1 + a:n + 1 + a, 1 + b:n + 1 + b]
                                for a in (-1, 0, 1) for b in (-1, 0, 1)
                                if a or b], axis=0)
        peaks = z[((grid > neighbours) & (grid > grid.max() - 3)).ravel()]
        spans.append(numpy.ptp(peaks, axis=0).max())
    assert max(spans) > 2


def test_default_quadrature_is_exact_on_a_trained_model(trained):
    vae, x, exact, _, _ = trained
    estimate, error = quadrature_log_likelihood(vae.decoder, x,
                                                return_error=True)
    assert estimate.dtype == error.dtype == numpy.float64
    # Measured: within 1e-6 nats everywhere (the decoder's float32
    # rounding), an error estimate of at most 4e-4.
    assert numpy.abs(estimate - exact).max() < 1e-5
    assert (error >= numpy.abs(estimate - exact)).all()
    assert error.max() < 1e-3
    # The fixed grid's estimate owns up to its error too.
    old, old_error = quadrature_log_likelihood(vae.decoder, x, limit=5.,
                                               return_error=True)
    assert (old_error >= numpy.abs(old - exact)).all()


def test_default_ais_is_close_where_the_fixed_step_is_not(trained):
    # The default settings but 500 temperatures (default 2000): each image
    # eight times, so that the estimator's bias (with its 8 chains) is
    # averaged over 8 x 17 runs; five seconds each. Measured over eight
    # seeds: adapted -0.03 to -0.19 nats (far posteriors -0.20 to +0.22),
    # fixed -0.74 to -1.06 (far ones -2.1 to -3.1) with an acceptance
    # above 0.999: the chains barely move.
    vae, x, exact, _, _ = trained
    repeats = numpy.tile(x, (8, 1))
    errors = {}
    for adapt in (True, False):
        numpy.random.seed(0)
        # The adapted step is the default.
        estimate, acceptance = ais_log_likelihood(
            vae.decoder, repeats, n_temperatures=500, batch_size=len(repeats),
            return_acceptance=True, **({} if adapt else {
                'adapt_step_size': False}))
        errors[adapt] = (estimate - numpy.tile(exact, 8)).reshape(8, -1)
        if adapt:
            assert 0.3 < acceptance < 0.95
        else:
            assert acceptance > 0.99
    assert abs(errors[True].mean()) < 0.3
    assert abs(errors[True][:, 8:12].mean()) < 0.5  # Beyond |z| = 5.
    assert errors[False].mean() < -0.5
    assert errors[False][:, 8:12].mean() < -1.5
    assert errors[True].mean() > errors[False].mean() + 0.4


# A decoder with no hidden layer whose first 8 pixels see z_1 only and
# last 8 z_2 only, so that p(x) is the product of two 1-D integrals. Per
# axis: pixels 0-3 have logits +-100 z (steps 0.01 wide), pixels 4-7
# logits 4 z - 28 (a step at z = 7).
SLOPES = numpy.array([100., 100., -100., -100., 4., 4., 4., 4.])
BIASES = numpy.array([0., 0., 0., 0., -28., -28., -28., -28.])
BLOCKS = {
    # Posterior std 0.01 at 0.
    'narrow': [1, 1, 1, 1, 0, 0, 0, 0],
    # Beyond z = 7 (old grid: no mass at all).
    'far': [1, 1, 0, 0, 1, 1, 1, 1],
    # The prior's half z > 0, cut by a step 0.01 wide.
    'half': [1, 1, 0, 0, 0, 0, 0, 0],
}


@functools.lru_cache()
def exact_1d(name):
    """``log integral p(x|t) N(t; 0, 1) dt`` for the 8 pixels ``BLOCKS[name]``
    of one axis: the midpoint rule over [-40, 40], spacing 1e-4."""
    t = -40 + 1e-4 * (numpy.arange(800000) + 0.5)
    logits = numpy.outer(t, SLOPES) + BIASES
    log_f = (logits * numpy.array(BLOCKS[name]) - numpy.logaddexp(
        0., logits)).sum(axis=1) - 0.5 * t ** 2 - 0.5 * numpy.log(
            2 * numpy.pi)
    top = log_f.max()
    return top + numpy.log(numpy.exp(log_f - top).sum() * 1e-4)


def separable_decoder(n_latent):
    decoder = BernoulliDecoder(n_latent, 8 * n_latent, 1, 0)
    W = numpy.zeros((8 * n_latent, n_latent), numpy.float32)
    for k in range(n_latent):
        W[8 * k:8 * k + 8, k] = SLOPES
    decoder.mlp[0].W.array[...] = W
    decoder.mlp[0].b.array[...] = numpy.tile(BIASES, n_latent)
    return decoder


@pytest.mark.parametrize('n_latent', [1, 2])
def test_default_quadrature_on_far_narrow_and_steep_posteriors(n_latent):
    names = list(itertools.product(BLOCKS, repeat=n_latent))
    x = numpy.array([sum((BLOCKS[b] for b in blocks), [])
                     for blocks in names], numpy.float32)
    exact = numpy.array([sum(exact_1d(b) for b in blocks)
                         for blocks in names])
    decoder = separable_decoder(n_latent)
    estimate, error = quadrature_log_likelihood(decoder, x,
                                                return_error=True)
    actual = numpy.abs(estimate - exact)
    assert (error >= actual).all()
    # Measured: 1e-7 nats.
    assert actual.max() < 1e-5
    # A step 0.01 wide across a box of 5 needs the doublings: without,
    # 200 points per axis are up to 8e-4 nats off, and say so.
    steep = numpy.array(['half' in blocks for blocks in names])
    coarse, coarse_error = quadrature_log_likelihood(
        decoder, x, tolerance=None, return_error=True)
    assert numpy.abs(coarse - exact)[steep].max() > 1e-4
    assert (coarse_error >= numpy.abs(coarse - exact)).all()
    # The far corner (7, 7) is where the old grid fails by 38 nats.
    old = quadrature_log_likelihood(decoder, x, limit=5.)
    assert numpy.abs(old - exact).max() > 10
    # One example at a time (each its own locate box) agrees within the
    # error.
    batched = quadrature_log_likelihood(decoder, x, max_rows=1500)
    assert (numpy.abs(batched - exact) <= error).all()


def test_quadrature_with_few_points_works_or_refuses():
    decoder = separable_decoder(2)
    x = numpy.array([BLOCKS['narrow'] + BLOCKS['far']], numpy.float32)
    exact = exact_1d('narrow') + exact_1d('far')
    for n_points in (2, 3, 5):
        estimate, error = quadrature_log_likelihood(
            decoder, x, n_points=n_points, return_error=True)
        assert numpy.isfinite(estimate).all()
        # Poor, and the error says so.
        assert error[0] >= abs(estimate[0] - exact)
    with pytest.raises(ValueError, match=r'n_points must be at least 2 '
                       r'for the adaptive grid \(limit=None\), got 1') as e:
        quadrature_log_likelihood(decoder, x, n_points=1)
    assert '\n' not in str(e.value)
    for tolerance in (0., -1., numpy.nan, 'small'):
        with pytest.raises(ValueError, match=r'tolerance must be a finite '
                           r'number above 0') as e:
            quadrature_log_likelihood(decoder, x, tolerance=tolerance)
        assert '\n' not in str(e.value)
    # A fixed grid keeps its former range.
    assert numpy.isfinite(quadrature_log_likelihood(
        decoder, x, n_points=1, limit=5., return_error=True)).all()


@pytest.mark.parametrize('x, match', [
    (numpy.zeros((0, 16), numpy.float32), 'x is empty'),
    (numpy.full((2, 16), numpy.nan, numpy.float32), 'x contains NaN'),
    (numpy.full((2, 16), 2, numpy.float32), r'must lie in \[0, 1\]'),
])
@pytest.mark.parametrize('limit', [None, 5.])
def test_quadrature_refuses_bad_data_with_either_grid(x, match, limit):
    with pytest.raises(ValueError, match=match) as e:
        quadrature_log_likelihood(separable_decoder(2), x, limit=limit,
                                  return_error=True)
    assert '\n' not in str(e.value)


def test_fixed_grid_is_unchanged_by_return_error():
    decoder = separable_decoder(2)
    x = numpy.array([BLOCKS['narrow'] + BLOCKS['half']], numpy.float32)
    plain = quadrature_log_likelihood(decoder, x, n_points=60, limit=5.)
    estimate, error = quadrature_log_likelihood(
        decoder, x, n_points=60, limit=5., return_error=True)
    numpy.testing.assert_array_equal(plain, estimate)
    assert error.shape == (1,) and error[0] > 0


def test_ais_adapt_flag_is_on_by_default_and_may_change_at_resume():
    parser = ex.ArgumentParser()
    ex.add_ais_arguments(parser, default_size=10)
    assert parser.parse_args([]).ais_adapt is True
    assert parser.parse_args(['--ais-adapt']).ais_adapt is True
    assert parser.parse_args(['--no-ais-adapt']).ais_adapt is False
    # Evaluation flags are not kept with the snapshots' training flags,
    # so a resume may change them.
    kept = []

    class Trainer(object):
        def extend(self, extension):
            kept.append(extension)

    ex.keep_run_flags(Trainer(), parser.parse_args(['--no-ais-adapt']))
    assert kept[0].flags == {}


@pytest.mark.parametrize('value, accepted', [
    ('10000000', True), ('10000001', False), ('100000000000000000000', False),
    ('0', False)])
def test_ais_temperatures_flag_takes_what_ais_takes(value, accepted, capsys):
    # ais_log_likelihood refuses more than MAX_TEMPERATURES; the flag did
    # not, and a train_avb.py run ended in a traceback after training.
    parser = ex.ArgumentParser(prog='script.py')
    ex.add_ais_arguments(parser, default_size=10)
    if accepted:
        assert parser.parse_args(['--ais-temperatures', value]) \
            .ais_temperatures == int(value)
        return
    with pytest.raises(SystemExit):
        parser.parse_args(['--ais-temperatures', value])
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and '--ais-temperatures' in err, err
