import numpy
import pytest

import chainer
from chainer import gradient_check

from vae_avb.functions import bernoulli_nll


def naive_bernoulli_nll(x, logits):
    p = 1 / (1 + numpy.exp(-logits))
    return -(x * numpy.log(p) + (1 - x) * numpy.log(1 - p)).sum(axis=1)


@pytest.fixture
def data():
    x = numpy.random.uniform(0.1, 0.9, (5, 7))
    logits = numpy.random.normal(size=(5, 7))
    return x, logits


@pytest.mark.parametrize('reduce', ['mean', 'sum', 'no'])
def test_matches_naive_reference(data, reduce):
    x, logits = data
    per_example = naive_bernoulli_nll(x, logits)
    expected = {'mean': per_example.mean(), 'sum': per_example.sum(),
                'no': per_example}[reduce]
    actual = bernoulli_nll(x, logits, reduce=reduce).array
    assert actual.shape == numpy.shape(expected)
    numpy.testing.assert_allclose(actual, expected, rtol=1e-10)


def test_binary_data_is_log_probability_of_the_image():
    x = numpy.array([[1., 0., 1.]])
    p = numpy.array([[0.9, 0.2, 0.6]])
    logits = numpy.log(p / (1 - p))
    expected = -numpy.log(0.9 * 0.8 * 0.6)
    numpy.testing.assert_allclose(
        bernoulli_nll(x, logits).array, expected, rtol=1e-10)


def test_gradient(data):
    x, logits = data
    gradient_check.check_backward(
        lambda x, y: bernoulli_nll(x, y), (x, logits), None,
        dtype=numpy.float64, atol=1e-6, rtol=1e-5)


def test_gradient_per_example(data):
    x, logits = data
    gy = numpy.random.normal(size=(5,))
    gradient_check.check_backward(
        lambda x, y: bernoulli_nll(x, y, reduce='no'), (x, logits), gy,
        dtype=numpy.float64, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('bad, message', [
    (1.5, r'\[0, 1\]'), (-0.2, r'\[0, 1\]'), (numpy.nan, 'NaN'),
    (numpy.inf, 'NaN or inf')])
def test_bad_data_named(data, bad, message):
    x, logits = data
    x[2, 3] = bad
    with pytest.raises(ValueError, match=message):
        bernoulli_nll(x, logits)


def test_value_checks_follow_type_check(data):
    x, logits = data
    x[0, 0] = 2.
    with chainer.using_config('type_check', False):
        bernoulli_nll(x, logits)  # no error: checks are off


def test_shape_mismatch(data):
    x, logits = data
    with pytest.raises(ValueError, match='shape'):
        bernoulli_nll(x, logits[:, :3])


def test_unknown_reduce(data):
    with pytest.raises(ValueError, match="'mean', 'sum', 'no'"):
        bernoulli_nll(*data, reduce='avg')


@pytest.mark.parametrize('x_dtype, logits_dtype', [
    (object, object), (numpy.int32, numpy.float32),
    (numpy.float32, numpy.int32), (numpy.float64, numpy.float32)])
def test_dtypes_are_checked_before_the_values(x_dtype, logits_dtype):
    # Object arrays once died in numpy.isfinite inside the value check.
    x = numpy.ones((2, 3)).astype(x_dtype)
    logits = numpy.zeros((2, 3)).astype(logits_dtype)
    with pytest.raises(TypeError, match='^bernoulli_nll: x has dtype .* and '
                       'logits .*; pass them in one float dtype'):
        bernoulli_nll(x, logits)
