import math

import numpy
import pytest

from vae_avb.evaluation import mean_and_standard_error


def test_matches_the_textbook_formula():
    values = [-90.5, -101.25, -79.0, -95.5, -88.0]
    mean, error = mean_and_standard_error(numpy.array(values))
    n = len(values)
    naive_mean = sum(values) / n
    naive_var = sum((v - naive_mean) ** 2 for v in values) / (n - 1)
    assert mean == pytest.approx(naive_mean, rel=1e-12)
    assert error == pytest.approx(math.sqrt(naive_var / n), rel=1e-12)
    assert isinstance(mean, float) and isinstance(error, float)


def test_is_the_spread_of_the_mean_over_repeated_draws():
    # 2000 test sets of 50 values, sd 3: the means scatter by 3 / sqrt(50),
    # and the error computed from each set estimates that scatter.
    rng = numpy.random.RandomState(0)
    draws = rng.normal(-90., 3., size=(2000, 50))
    results = [mean_and_standard_error(d) for d in draws]
    means = numpy.array([m for m, _ in results])
    errors = numpy.array([e for _, e in results])
    assert means.std() == pytest.approx(3. / math.sqrt(50), rel=0.05)
    assert errors.mean() == pytest.approx(3. / math.sqrt(50), rel=0.05)
    # About 95% of the intervals mean +- 1.96 error hold the true mean.
    covered = numpy.mean(numpy.abs(means + 90.) < 1.96 * errors)
    assert 0.93 < covered < 0.97


def test_single_value_has_no_error_and_bad_shapes_are_refused():
    assert mean_and_standard_error(numpy.array([-88.5])) == (-88.5, None)
    with pytest.raises(ValueError, match='non-empty 1-D'):
        mean_and_standard_error(numpy.array([]))
    with pytest.raises(ValueError, match=r'shape \(2, 2\)'):
        mean_and_standard_error(numpy.zeros((2, 2)))


def test_large_values_do_not_overflow():
    # Hostile review of 2026-12-06: (inf, inf) for finite values.
    assert mean_and_standard_error([1e308, 1e308]) == (1e308, 0.)
    mean, error = mean_and_standard_error([1e200, -1e200, 0.])
    assert mean == 0. and error == pytest.approx(1e200 / math.sqrt(3))
    top = numpy.finfo(numpy.float64).max
    assert mean_and_standard_error([top, -top]) == (0., top)


def test_variables_are_read_and_what_is_no_real_number_refused():
    import chainer
    assert mean_and_standard_error(chainer.Variable(numpy.arange(3.))) == \
        mean_and_standard_error(numpy.arange(3.))
    for values, match in ((numpy.array([1 + 5j, 2 - 5j]), 'complex'),
                          (['1', '2'], 'must be numbers')):
        with pytest.raises(TypeError, match=match):
            mean_and_standard_error(values)
