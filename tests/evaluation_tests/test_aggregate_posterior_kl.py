import numpy
import pytest

from vae_avb.evaluation import aggregate_posterior_kl
from vae_avb.functions import gaussian_kl_divergence


@pytest.mark.parametrize('mean, var', [
    ([0.5, -0.3], [0.6, 1.3]), ([0., 0.], [0.2, 0.2]), ([1., 0.5], [1., 1.])])
def test_matches_gaussian_closed_form(mean, var):
    mean = numpy.array([mean])
    ln_var = numpy.log(numpy.array([var]))
    z = mean + numpy.exp(0.5 * ln_var) * numpy.random.standard_normal(
        (1000000, 2))
    closed = float(gaussian_kl_divergence(mean, ln_var).array)
    assert aggregate_posterior_kl(z) == pytest.approx(closed, abs=0.01)


def test_prior_samples_give_almost_zero():
    z = numpy.random.standard_normal((1000000, 2))
    assert 0 <= aggregate_posterior_kl(z) < 0.003


def test_mixture_of_quadrants_is_the_prior():
    # Four wedges that tile the prior (AVB's ideal, Figure 6b): the
    # aggregate is the prior itself although each part is far from it.
    z = numpy.random.standard_normal((1000000, 2))
    quadrant = (z[:, 0] > 0) * 2 + (z[:, 1] > 0)
    assert len(numpy.unique(quadrant)) == 4
    assert aggregate_posterior_kl(z) < 0.003
    one = z[quadrant == 3]
    assert aggregate_posterior_kl(one) == pytest.approx(numpy.log(4),
                                                        abs=0.01)


def test_one_dimensional():
    z = 0.5 + numpy.random.standard_normal((1000000, 1))
    assert aggregate_posterior_kl(z) == pytest.approx(0.125, abs=0.005)


def test_bad_shape():
    with pytest.raises(ValueError, match=r'\(N, 1\) or \(N, 2\)'):
        aggregate_posterior_kl(numpy.zeros((10, 3)))


def test_odd_input():
    import chainer
    z = numpy.random.RandomState(0).standard_normal((1000, 2))
    assert aggregate_posterior_kl(chainer.Variable(z)) == \
        aggregate_posterior_kl(z)
    # Hostile review of 2026-12-06: the imaginary part was dropped.
    with pytest.raises(TypeError, match='real numbers, got complex128'):
        aggregate_posterior_kl(z + 3j)
    # ... and numpy's 'bins[0] must be monotonically increasing'.
    with pytest.raises(ValueError, match='limit=1e.308 with n_bins=50 makes '
                       'cells of no or infinite width'):
        aggregate_posterior_kl(z, limit=1e308)
