"""contrast_gaussian, standardize, whitening and lower_inverse: the
Gaussian r(z|x) of adaptive contrast, against naive NumPy references."""
import numpy
import pytest

import chainer
from chainer import gradient_check

from vae_avb.functions import contrast_gaussian
from vae_avb.functions import ContrastGaussian
from vae_avb.functions import lower_inverse
from vae_avb.functions import standardize
from vae_avb.functions import whitening


def good_and_bad_covariances():
    """``(2, 2, 2)``: a positive-definite covariance, then one that is not
    (eigenvalue -1)."""
    good = numpy.array([[2., 0.5], [0.5, 1.]], numpy.float32)
    bad = numpy.array([[1., 2.], [2., 1.]], numpy.float32)
    return numpy.stack([good, bad])


def covariances(b=5, n=3):
    root = numpy.random.randn(b, n, n)
    return root @ root.transpose(0, 2, 1) + 0.5 * numpy.eye(n)


def test_whitening_refuses_a_covariance_not_positive_definite():
    with pytest.raises(ValueError, match='^whitening: a covariance in cov is '
                       'not positive definite; .*contrast=\'diagonal\''):
        whitening(good_and_bad_covariances())


def test_whitening_refuses_nan_factor_as_cupy_gives(monkeypatch):
    # CuPy's cholesky does not raise on such a matrix: it returns NaN. The
    # same one-line error must come instead of NaN flowing into training.
    def nan_cholesky(a):
        return numpy.full_like(a, numpy.nan)
    monkeypatch.setattr(numpy.linalg, 'cholesky', nan_cholesky)
    with pytest.raises(ValueError, match='not positive definite'):
        whitening(good_and_bad_covariances()[1:])


def test_whitening_of_a_positive_definite_covariance():
    cov = good_and_bad_covariances()[:1]
    inverse, half_log_det = whitening(cov)
    assert inverse.dtype == half_log_det.dtype == numpy.float32
    lower = numpy.linalg.inv(inverse[0].astype(numpy.float64))
    numpy.testing.assert_allclose(lower @ lower.T, cov[0], rtol=1e-5)
    assert half_log_det[0] == pytest.approx(
        0.5 * numpy.log(numpy.linalg.det(cov[0])), rel=1e-5)


def test_whitening_of_a_known_factor():
    # cov = L L^T with L known: whitening gives L^-1 and sum log diag L.
    lower = numpy.tril(numpy.random.randn(4, 3, 3), -1) \
        + numpy.eye(3) * (numpy.random.rand(4, 1, 3) + 0.5)
    cov = lower @ lower.transpose(0, 2, 1)
    inverse, half_log_det = whitening(cov)
    numpy.testing.assert_allclose(inverse, numpy.linalg.inv(lower),
                                  rtol=1e-3, atol=1e-3)
    numpy.testing.assert_allclose(
        half_log_det, numpy.log(numpy.diagonal(lower, axis1=1,
                                               axis2=2)).sum(1), atol=1e-4)
    # Exactly, with the jitter: 1e-6 times the mean variance.
    jitter = 1e-6 * numpy.trace(cov, axis1=1, axis2=2) / 3
    jittered = numpy.linalg.cholesky(cov + jitter[:, None, None]
                                     * numpy.eye(3))
    numpy.testing.assert_allclose(inverse, numpy.linalg.inv(jittered),
                                  rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(
        half_log_det, 0.5 * numpy.linalg.slogdet(cov + jitter[:, None, None]
                                                 * numpy.eye(3))[1],
        rtol=1e-10)


def test_whitening_hostile_inputs():
    cov = covariances()
    cov[2, 0, 0] = numpy.nan
    with pytest.raises(ValueError, match='holds NaN or inf'):
        whitening(cov)
    for shape in ((3, 3), (2, 3, 4), (2, 3, 3, 3)):
        with pytest.raises(ValueError, match='whitening: cov has shape'):
            whitening(numpy.ones(shape))
    # Zero covariance: the jitter floor makes it positive definite.
    inverse, half_log_det = whitening(numpy.zeros((1, 2, 2)))
    assert numpy.isfinite(inverse).all() and numpy.isfinite(half_log_det)


def test_lower_inverse_matches_numpy():
    lower = numpy.tril(numpy.random.randn(6, 4, 4)) + 3 * numpy.eye(4)
    inverse = lower_inverse(lower)
    numpy.testing.assert_allclose(inverse, numpy.linalg.inv(lower),
                                  rtol=1e-12, atol=1e-14)
    assert (numpy.triu(inverse, 1) == 0).all()
    # Only the lower triangle is read.
    noisy = lower + numpy.triu(numpy.random.randn(6, 4, 4), 1)
    numpy.testing.assert_array_equal(lower_inverse(noisy), inverse)
    with pytest.raises(ValueError, match='lower_inverse: lower has shape'):
        lower_inverse(numpy.eye(3))


def test_diagonal_contrast_gaussian():
    mean = numpy.random.randn(5, 3)
    var = numpy.random.rand(5, 3) + 0.1
    r = contrast_gaussian(mean, var)
    assert isinstance(r, ContrastGaussian)
    assert r.mean is mean
    numpy.testing.assert_allclose(r.scale, numpy.sqrt(var), rtol=1e-15)
    numpy.testing.assert_allclose(r.inverse_scale, 1 / numpy.sqrt(var),
                                  rtol=1e-15)
    numpy.testing.assert_allclose(r.half_log_det,
                                  0.5 * numpy.log(var).sum(1), rtol=1e-14)
    z = numpy.random.randn(5, 3)
    numpy.testing.assert_allclose(r.whiten(z), (z - mean) / numpy.sqrt(var),
                                  rtol=1e-14)


def test_full_contrast_gaussian():
    mean = numpy.random.randn(5, 3)
    cov = covariances()
    r = contrast_gaussian(mean, cov)
    numpy.testing.assert_allclose(r.scale @ r.scale.transpose(0, 2, 1), cov,
                                  rtol=1e-5)
    assert (numpy.triu(r.scale, 1) == 0).all()
    numpy.testing.assert_allclose(r.inverse_scale @ r.scale,
                                  numpy.broadcast_to(numpy.eye(3), cov.shape),
                                  atol=1e-12)
    numpy.testing.assert_allclose(
        r.half_log_det, 0.5 * numpy.linalg.slogdet(cov)[1], atol=1e-4)
    # z = mean + L u is whitened back to u (up to the jitter).
    u = numpy.random.randn(5, 3)
    z = mean + (numpy.linalg.cholesky(cov) @ u[:, :, None])[:, :, 0]
    numpy.testing.assert_allclose(r.whiten(z), u, atol=1e-4)
    whitened = r.whiten(chainer.Variable(z))
    assert isinstance(whitened, chainer.Variable)
    numpy.testing.assert_allclose(whitened.array, r.whiten(z), rtol=1e-14)


@pytest.mark.parametrize('full', [False, True])
def test_standardize_is_contrast_gaussian(full):
    mean = numpy.random.randn(5, 3).astype(numpy.float32)
    spread = (covariances() if full else numpy.random.rand(5, 3) + 0.1
              ).astype(numpy.float32)
    z = numpy.random.randn(5, 3).astype(numpy.float32)
    r = contrast_gaussian(mean, spread)
    z_bar, half_log_det = standardize(z, mean, spread)
    assert z_bar.dtype == half_log_det.dtype == numpy.float32
    numpy.testing.assert_array_equal(z_bar, r.whiten(z))
    numpy.testing.assert_array_equal(half_log_det, r.half_log_det)
    assert all(t.dtype == numpy.float32 for t in r)


@pytest.mark.parametrize('full', [False, True])
def test_whiten_gradient(full):
    mean = numpy.random.randn(4, 3)
    spread = covariances(4) if full else numpy.random.rand(4, 3) + 0.1
    r = contrast_gaussian(mean, spread)
    gradient_check.check_backward(
        r.whiten, numpy.random.randn(4, 3), numpy.random.randn(4, 3),
        dtype=numpy.float64, atol=1e-6, rtol=1e-5)
    gradient_check.check_backward(
        lambda z: standardize(z, mean, spread)[0], numpy.random.randn(4, 3),
        numpy.random.randn(4, 3), dtype=numpy.float64, atol=1e-6,
        rtol=1e-5)


def test_contrast_gaussian_hostile_inputs():
    mean = numpy.zeros((5, 3))
    for spread in (numpy.ones((5, 2)), numpy.ones((4, 3)),
                   numpy.ones((5, 3, 2)), numpy.ones((5, 3, 3, 3))):
        with pytest.raises(ValueError, match='contrast_gaussian: mean'):
            contrast_gaussian(mean, spread)
    with pytest.raises(ValueError, match='contrast_gaussian: mean'):
        contrast_gaussian(numpy.zeros(3), numpy.ones(3))
    with pytest.raises(ValueError, match='not positive definite'):
        contrast_gaussian(numpy.zeros((2, 2)), good_and_bad_covariances())
    # A zero variance is floored (finite z_bar); NaN is not hidden by it.
    var = numpy.ones((5, 3))
    var[0, 0] = 0
    var[1, 1] = numpy.nan
    r = contrast_gaussian(mean, var)
    assert r.scale[0, 0] == pytest.approx(1e-6)
    assert numpy.isnan(r.scale[1, 1]) and numpy.isnan(r.half_log_det[1])
    assert numpy.isfinite(r.whiten(numpy.ones((5, 3)))[0]).all()


def test_integer_matrices_are_refused_not_rounded():
    # An integer inverse was rounded to whole numbers: all zeros here.
    cov = numpy.array([[[4, 0], [0, 9]]])
    message = r'dtype int64; pass a float dtype .*astype\(numpy.float'
    with pytest.raises(TypeError, match='^lower_inverse: lower has ' +
                       message):
        lower_inverse(numpy.array([[[2, 0], [1, 4]]]))
    with pytest.raises(TypeError, match='^whitening: cov has ' + message):
        whitening(cov)
    for spread in (cov, numpy.ones((1, 2), numpy.int64)):
        with pytest.raises(TypeError,
                           match='^contrast_gaussian: spread has ' + message):
            contrast_gaussian(numpy.zeros((1, 2)), spread)
    # Float matrices of any width still work, float16 included.
    inverse, half_log_det = whitening(cov.astype(numpy.float16))
    assert inverse.dtype == half_log_det.dtype == numpy.float16
    numpy.testing.assert_allclose(inverse[0], [[0.5, 0], [0, 1 / 3]],
                                  rtol=1e-3)


@pytest.mark.parametrize('bad', [numpy.nan, numpy.inf])
def test_a_nan_or_inf_covariance_is_named_as_such(bad):
    cov = covariances(2, 2)
    cov[1, 0, 0] = bad
    with pytest.raises(ValueError, match='^whitening: cov holds NaN or inf; '
                       'pass finite covariance matrices$'):
        whitening(cov)
    with pytest.raises(ValueError, match='^contrast_gaussian: spread holds '
                       'NaN or inf; pass finite'):
        contrast_gaussian(numpy.zeros((2, 2)), cov)
    # A finite matrix that is not positive definite keeps its own message.
    with pytest.raises(ValueError, match='^contrast_gaussian: a covariance '
                       'in spread is not positive definite'):
        contrast_gaussian(numpy.zeros((2, 2)), good_and_bad_covariances())
