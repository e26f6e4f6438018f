import numpy
import pytest

from chainer import gradient_check

from vae_avb.functions import gaussian_kl_divergence


def test_zero_at_standard_normal():
    zeros = numpy.zeros((3, 4))
    assert gaussian_kl_divergence(zeros, zeros).array == 0
    numpy.testing.assert_array_equal(
        gaussian_kl_divergence(zeros, zeros, reduce='no').array,
        numpy.zeros(3))


def test_positive_elsewhere():
    mean = numpy.random.normal(size=(1000, 3))
    ln_var = numpy.random.normal(size=(1000, 3))
    kl = gaussian_kl_divergence(mean, ln_var, reduce='no').array
    assert numpy.all(kl > 0)


def test_closed_form_matches_monte_carlo():
    mean = numpy.array([[0.5, -1.0, 0.0]])
    ln_var = numpy.array([[-1.0, 0.3, 1.2]])
    n = 400000
    std = numpy.exp(0.5 * ln_var)
    z = mean + std * numpy.random.standard_normal((n, 3))
    log_q = (-0.5 * ((z - mean) / std) ** 2 - 0.5 * ln_var
             - 0.5 * numpy.log(2 * numpy.pi)).sum(axis=1)
    log_p = (-0.5 * z ** 2 - 0.5 * numpy.log(2 * numpy.pi)).sum(axis=1)
    estimate = (log_q - log_p).mean()
    standard_error = (log_q - log_p).std() / numpy.sqrt(n)
    closed = gaussian_kl_divergence(mean, ln_var).array
    assert abs(estimate - closed) < 4 * standard_error


@pytest.mark.parametrize('reduce', ['mean', 'sum', 'no'])
def test_reductions(reduce):
    mean = numpy.random.normal(size=(4, 2))
    ln_var = numpy.random.normal(size=(4, 2))
    per_example = 0.5 * (mean ** 2 + numpy.exp(ln_var) - ln_var - 1).sum(1)
    expected = {'mean': per_example.mean(), 'sum': per_example.sum(),
                'no': per_example}[reduce]
    numpy.testing.assert_allclose(
        gaussian_kl_divergence(mean, ln_var, reduce=reduce).array,
        expected, rtol=1e-12)


def test_gradient():
    mean = numpy.random.normal(size=(4, 3))
    ln_var = numpy.random.normal(size=(4, 3))
    gradient_check.check_backward(
        gaussian_kl_divergence, (mean, ln_var), None, dtype=numpy.float64,
        atol=1e-6, rtol=1e-5)


def test_shape_mismatch():
    with pytest.raises(ValueError, match='shape'):
        gaussian_kl_divergence(numpy.zeros((2, 3)), numpy.zeros((2, 4)))
