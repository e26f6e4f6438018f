"""basis_moments, basis_covariance and posterior_moments (adaptive
contrast's moments of q(z|x)) against naive NumPy references."""
import numpy
import pytest

import chainer
from chainer import gradient_check

from vae_avb.functions import basis_covariance
from vae_avb.functions import basis_moments
from vae_avb.functions import posterior_moments


def samples(k=4, b=50, n=3):
    # Correlated, non-centred bases.
    mix = numpy.random.randn(k, n, n)
    return numpy.random.randn(k, b, n) @ mix + numpy.random.randn(k, 1, n)


def test_basis_moments_match_numpy():
    v = samples()
    mean, var = basis_moments(v)
    numpy.testing.assert_allclose(mean, numpy.mean(v, axis=1), rtol=1e-12)
    numpy.testing.assert_allclose(var, numpy.var(v, axis=1), rtol=1e-12)
    mean, cov = basis_moments(v, covariance=True)
    assert cov.shape == (4, 3, 3)
    for k in range(4):
        expected = numpy.cov(v[k].T, bias=True)
        numpy.testing.assert_allclose(cov[k], expected, rtol=1e-10,
                                      atol=1e-12)
    numpy.testing.assert_array_equal(cov, basis_covariance(v))
    # The diagonal of the covariance is the variance.
    numpy.testing.assert_allclose(numpy.diagonal(cov, axis1=1, axis2=2),
                                  var, rtol=1e-10)


def test_basis_moments_keep_float32():
    v = samples().astype(numpy.float32)
    for covariance in (False, True):
        mean, spread = basis_moments(v, covariance)
        assert mean.dtype == spread.dtype == numpy.float32


def test_basis_moments_hostile_inputs():
    with pytest.raises(ValueError, match=r'basis_moments: v has shape'):
        basis_moments(numpy.zeros((5, 3)))
    with pytest.raises(ValueError, match=r'basis_covariance: v has shape'):
        basis_covariance(numpy.zeros((5, 3)))
    # NaN stays NaN (in its own basis only).
    v = samples()
    v[1, 7, 0] = numpy.nan
    mean, cov = basis_moments(v, covariance=True)
    assert numpy.isnan(mean[1, 0]) and numpy.isfinite(mean[[0, 2, 3]]).all()
    assert numpy.isnan(cov[1]).any() and numpy.isfinite(cov[0]).all()


def structure(k=4, b=5, n=3):
    z0 = numpy.random.randn(b, n)
    a = numpy.random.rand(k, b, n) + 0.1
    mean_v = numpy.random.randn(k, n)
    root = numpy.random.randn(k, n, n)
    cov_v = root @ root.transpose(0, 2, 1) + 0.1 * numpy.eye(n)
    return z0, a, mean_v, cov_v


def naive_moments(z0, a, mean_v, cov_v):
    k, b, n = a.shape
    mean = numpy.array([z0[j] + sum(a[i, j] * mean_v[i] for i in range(k))
                        for j in range(b)])
    cov = numpy.array([sum(numpy.diag(a[i, j]) @ cov_v[i]
                           @ numpy.diag(a[i, j]) for i in range(k))
                       for j in range(b)])
    return mean, cov


def test_posterior_moments_match_naive_reference():
    z0, a, mean_v, cov_v = structure()
    mean, cov = naive_moments(z0, a, mean_v, cov_v)
    got_mean, got_cov = posterior_moments(z0, a, moments=(mean_v, cov_v),
                                          covariance=True)
    assert isinstance(got_mean, numpy.ndarray)
    numpy.testing.assert_allclose(got_mean, mean, rtol=1e-12)
    numpy.testing.assert_allclose(got_cov, cov, rtol=1e-12)
    var_v = numpy.diagonal(cov_v, axis1=1, axis2=2)
    got_mean, got_var = posterior_moments(z0, a, moments=(mean_v, var_v))
    assert isinstance(got_var, numpy.ndarray)
    numpy.testing.assert_allclose(got_mean, mean, rtol=1e-12)
    numpy.testing.assert_allclose(
        got_var, numpy.diagonal(cov, axis1=1, axis2=2), rtol=1e-12)


@pytest.mark.parametrize('covariance', [False, True])
def test_posterior_moments_estimate_the_basis_moments_from_v(covariance):
    z0, a, _, _ = structure()
    v = samples(4, 50, 3)
    expected = posterior_moments(z0, a, moments=basis_moments(v, covariance),
                                 covariance=covariance)
    got = posterior_moments(z0, a, v, covariance=covariance)
    for g, e in zip(got, expected):
        numpy.testing.assert_array_equal(g, e)


def test_posterior_moments_match_monte_carlo():
    # z = z0 + sum_i a_i v_i with Gaussian v_i of the given moments.
    z0, a, mean_v, cov_v = structure(k=3, b=2, n=2)
    n_samples = 200000
    lower = numpy.linalg.cholesky(cov_v)
    v = mean_v[:, None] + (lower[:, None] @ numpy.random.randn(
        3, n_samples, 2, 1))[..., 0]                 # (k, N, n)
    mean, cov = posterior_moments(z0, a, moments=(mean_v, cov_v),
                                  covariance=True)
    for j in range(2):
        z = z0[j] + (a[:, j, None] * v).sum(0)
        numpy.testing.assert_allclose(z.mean(0), mean[j], atol=0.03)
        numpy.testing.assert_allclose(numpy.cov(z.T), cov[j], rtol=0.03,
                                      atol=0.03)


def test_posterior_moments_with_a_graph_are_the_arrays():
    z0, a, _, _ = structure()
    v = samples(4, 5, 3)
    graph = posterior_moments(chainer.Variable(z0), chainer.Variable(a),
                              chainer.Variable(v))
    assert all(isinstance(t, chainer.Variable) and t.creator is not None
               for t in graph)
    for g, e in zip(graph, posterior_moments(z0, a, v)):
        numpy.testing.assert_allclose(g.array, e, rtol=1e-14)


def test_posterior_moments_gradient():
    z0, a, mean_v, cov_v = structure(k=3, b=4, n=2)
    var_v = numpy.diagonal(cov_v, axis1=1, axis2=2).copy()
    directions = [numpy.random.randn(4, 2) for _ in range(2)]
    # Given moments, and moments estimated over v (gradients through v).
    gradient_check.check_backward(
        lambda z0, a, mean_v, var_v: posterior_moments(
            z0, a, moments=(mean_v, var_v)),
        (z0, a, mean_v, var_v), directions, dtype=numpy.float64,
        atol=1e-6, rtol=1e-5)
    gradient_check.check_backward(
        posterior_moments, (z0, a, samples(3, 6, 2)), directions,
        dtype=numpy.float64, atol=1e-6, rtol=1e-5)


def test_posterior_moments_hostile_inputs():
    z0, a, mean_v, cov_v = structure()
    var_v = numpy.diagonal(cov_v, axis1=1, axis2=2)
    with pytest.raises(ValueError, match='posterior_moments: z0'):
        posterior_moments(z0[:, :2], a, moments=(mean_v, var_v))
    with pytest.raises(ValueError, match='posterior_moments: z0'):
        posterior_moments(z0, a[0], moments=(mean_v, var_v))
    for moments, covariance in (((mean_v[:2], var_v), False),
                                ((mean_v, var_v[:, :2]), False),
                                ((mean_v, cov_v), False),
                                ((mean_v, var_v), True)):
        with pytest.raises(ValueError, match='posterior_moments: moments'):
            posterior_moments(z0, a, moments=moments, covariance=covariance)
    for v in (None, samples(4, 5, 2), samples(3, 5, 3), numpy.ones((4, 3))):
        with pytest.raises(ValueError, match='posterior_moments: v has'):
            posterior_moments(z0, a, v)
    with pytest.raises(ValueError, match='arrays only'):
        posterior_moments(z0, chainer.Variable(a), moments=(mean_v, cov_v),
                          covariance=True)
    a = a.copy()
    a[0, 2, 1] = numpy.nan
    mean, var = posterior_moments(z0, a, moments=(mean_v, var_v))
    assert numpy.isnan(mean[2, 1]) and numpy.isnan(var[2, 1])
    assert numpy.isfinite(numpy.delete(mean.ravel(), 2 * 3 + 1)).all()


@pytest.mark.parametrize('covariance', [False, True])
def test_posterior_moments_refuse_moments_that_are_not_a_pair(covariance):
    z0, a, mean_v, cov_v = structure()
    spread = 'Cov' if covariance else 'Var'
    for moments, found in (((mean_v,), '1 item'),
                           ((mean_v, cov_v, cov_v), '3 item'),
                           (numpy.stack([mean_v, mean_v]), 'a ndarray')):
        with pytest.raises(ValueError, match=(
                r'^posterior_moments: moments must be a pair \(E\[v\], '
                + spread + r'\[v\]\), got ' + found)):
            posterior_moments(z0, a, moments=moments, covariance=covariance)
