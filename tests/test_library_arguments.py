"""Issue 24: public functions check their arguments and say which one is
wrong, in one line; property-based (Hypothesis) sweeps of the numeric
arguments: every value either works or raises ValueError/TypeError."""
import math

import numpy
import pytest
from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st

import chainer

from vae_avb.datasets import ArrayIterator
from vae_avb.datasets import binarize_images
from vae_avb.datasets import DynamicBinarized
from vae_avb.evaluation import aggregate_posterior_kl
from vae_avb.evaluation import ais_log_likelihood
from vae_avb.evaluation import importance_weighted_log_likelihood
from vae_avb.evaluation import mean_and_standard_error
from vae_avb.evaluation import mean_report
from vae_avb.evaluation import quadrature_log_likelihood
from vae_avb.functions import gaussian_sample_kl
from vae_avb.functions import row_inner_product
from vae_avb.links import BernoulliDecoder
from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss
from vae_avb.optimizers import Adam
from vae_avb.training import AVBUpdater
from vae_avb.training import KeepState
from vae_avb.training import Snapshots
from vae_avb.training import StepSizeDecay

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
# Every kind of number a user can pass by mistake.
NUMBERS = st.one_of(
    st.integers(-10 ** 12, 10 ** 12), st.floats(allow_nan=True,
                                                allow_infinity=True),
    st.sampled_from([0, -1, 0.5, True, None, '3', [2], 1e300]))


@pytest.fixture(scope='module')
def decoder():
    return BernoulliDecoder(n_latent=2, n_out=4, n_hidden=8)


@pytest.fixture(scope='module')
def vae():
    return VAE.mlp(4, 2, 8)


def setup(optimizer, link):
    optimizer.setup(link)
    return optimizer


def x_of(rows=3, value=None):
    x = numpy.random.RandomState(0).randint(0, 2, (rows, 4)).astype(
        numpy.float32)
    if value is not None:
        x[0, 1] = value
    return x


BAD_CALLS = [
    # (id, call(decoder, vae), error, message pattern)
    ('ais nan x', lambda d, v: ais_log_likelihood(d, x_of(value=numpy.nan)),
     ValueError, r'ais_log_likelihood: x contains NaN'),
    ('ais x above 1', lambda d, v: ais_log_likelihood(d, x_of(value=3.)),
     ValueError, r'ais_log_likelihood: x must lie in \[0, 1\]'),
    ('ais empty x', lambda d, v: ais_log_likelihood(d, x_of(0)),
     ValueError, r'ais_log_likelihood: x is empty'),
    ('ais zero start std', lambda d, v: ais_log_likelihood(
        d, x_of(), start=(numpy.zeros((3, 2), numpy.float32),
                          numpy.zeros((3, 2), numpy.float32))),
     ValueError, r'start std must be above 0'),
    ('ais nan start mean', lambda d, v: ais_log_likelihood(
        d, x_of(), start=(numpy.full((3, 2), numpy.nan, numpy.float32),
                          numpy.ones((3, 2), numpy.float32))),
     ValueError, r'start mean contains NaN'),
    ('ais inf step', lambda d, v: ais_log_likelihood(
        d, x_of(), step_size=math.inf), ValueError, r'step_size must be'),
    ('ais acceptance 1', lambda d, v: ais_log_likelihood(
        d, x_of(), target_acceptance=1.), ValueError,
     r'target_acceptance must be a finite number above 0 and below 1'),
    ('ais fractional chains', lambda d, v: ais_log_likelihood(
        d, x_of(), n_chains=2.5), ValueError,
     r'n_chains must be an integer from 1 to 2147483647, got 2.5'),
    ('ais bool temperatures', lambda d, v: ais_log_likelihood(
        d, x_of(), n_temperatures=True), ValueError,
     r'n_temperatures must be an integer'),
    ('quadrature nan x', lambda d, v: quadrature_log_likelihood(
        d, x_of(value=numpy.nan)), ValueError, r'x contains NaN'),
    ('quadrature empty x', lambda d, v: quadrature_log_likelihood(
        d, x_of(0)), ValueError, r'quadrature_log_likelihood: x is empty'),
    ('quadrature zero points', lambda d, v: quadrature_log_likelihood(
        d, x_of(), n_points=0), ValueError, r'n_points must be an integer'),
    ('quadrature nan limit', lambda d, v: quadrature_log_likelihood(
        d, x_of(), limit=numpy.nan), ValueError, r'limit must be a finite'),
    ('quadrature huge grid', lambda d, v: quadrature_log_likelihood(
        d, x_of(), n_points=10 ** 6), ValueError, r'lower n_points'),
    ('quadrature wrong width', lambda d, v: quadrature_log_likelihood(
        d, numpy.zeros((3, 5), numpy.float32)), ValueError,
     r'x has shape \(3, 5\); pass \(N, 4\)'),
    ('aggregate kl empty', lambda d, v: aggregate_posterior_kl(
        numpy.zeros((0, 2))), ValueError, r'z is empty'),
    ('aggregate kl nan', lambda d, v: aggregate_posterior_kl(
        numpy.full((5, 2), numpy.nan)), ValueError, r'z contains NaN'),
    ('aggregate kl zero bins', lambda d, v: aggregate_posterior_kl(
        numpy.zeros((5, 2)), n_bins=0), ValueError, r'n_bins must be'),
    ('aggregate kl negative limit', lambda d, v: aggregate_posterior_kl(
        numpy.zeros((5, 2)), limit=-1), ValueError, r'limit must be'),
    ('iwae empty', lambda d, v: importance_weighted_log_likelihood(
        v, x_of(0)), ValueError, r'x is empty'),
    ('iwae zero k', lambda d, v: importance_weighted_log_likelihood(
        v, x_of(), k=0), ValueError, r'k must be an integer from 1'),
    ('iwae nan x', lambda d, v: importance_weighted_log_likelihood(
        v, x_of(value=numpy.nan)), ValueError, r'x contains NaN'),
    ('mean report empty', lambda d, v: mean_report(
        ELBOLoss(v), x_of(0)), ValueError, r'mean_report: x is empty'),
    ('mean report zero batch', lambda d, v: mean_report(
        ELBOLoss(v), x_of(), batch_size=0), ValueError,
     r'batch_size must be an integer from 1'),
    ('adam beta1 1', lambda d, v: Adam(beta1=1), ValueError,
     r'beta1 must be in \[0, 1\)'),
    ('adam beta1 2', lambda d, v: Adam(beta1=2.), ValueError,
     r'beta1 must be in \[0, 1\)'),
    ('adam nan step', lambda d, v: Adam(alpha=numpy.nan), ValueError,
     r'alpha \(the step size\) must be'),
    ('adam negative eps', lambda d, v: Adam(eps=-1e-8), ValueError,
     r'eps must be a finite number above 0'),
    ('decay zero ratio', lambda d, v: StepSizeDecay([], 0, 10, 0.),
     ValueError, r'final_ratio must be positive'),
    ('decay start after stop', lambda d, v: StepSizeDecay([], 10, 5, 0.1),
     ValueError, r'need 0 <= start < stop'),
    ('decay ratio text', lambda d, v: StepSizeDecay([], 0, 10, '0.1'),
     ValueError, r'final_ratio must be positive and finite'),
    ('decay start none', lambda d, v: StepSizeDecay([], None, 10, 0.1),
     ValueError, r'start must be a finite number of iterations'),
    ('decay endless', lambda d, v: StepSizeDecay([], 0, math.inf, 0.1),
     ValueError, r'stop must be a finite number of iterations'),
    ('decay optimizer not set up', lambda d, v: StepSizeDecay(
        [Adam()], 0, 10, 0.1), TypeError,
     r'optimizers must be a list of optimizers already set up'),
    ('decay one optimizer', lambda d, v: StepSizeDecay(
        setup(Adam(), v), 0, 10, 0.1), TypeError,
     r'optimizers must be a list of optimizers'),
    ('avb updater nan steps', lambda d, v: AVBUpdater(
        None, {'main': None, 'adversary': None}, numpy.nan), ValueError,
     r'AVBUpdater: n_adversary_steps must be an integer from 1'),
    ('avb updater steps true', lambda d, v: AVBUpdater(
        None, {'main': None, 'adversary': None}, True), ValueError,
     r'AVBUpdater: n_adversary_steps must be an integer from 1'),
    ('avb updater skip text', lambda d, v: AVBUpdater(
        None, {'main': None, 'adversary': None}, 1, skip_nonfinite='no'),
     TypeError, r'skip_nonfinite must be True or False'),
    ('keep state none', lambda d, v: KeepState(None), TypeError,
     r'KeepState: obj must have a serialize\(serializer\) method'),
    ('snapshots keep 0', lambda d, v: Snapshots((1, 'iteration'), keep=0),
     ValueError, r'keep must be an integer >= 1'),
    ('adam eps 0', lambda d, v: Adam(eps=0), ValueError,
     r'eps must be a finite number above 0'),
    ('adam nan weight decay', lambda d, v: Adam(weight_decay_rate=numpy.nan),
     ValueError, r'weight_decay_rate must be a finite number >= 0'),
    ('adam negative weight decay', lambda d, v: Adam(weight_decay_rate=-1e-4),
     ValueError, r'weight_decay_rate must be a finite number >= 0'),
    ('adam amsgrad string', lambda d, v: Adam(amsgrad='False'), ValueError,
     r'amsgrad must be True or False'),
    ('adam adabound nan final lr', lambda d, v: Adam(
        adabound=True, final_lr=numpy.nan), ValueError,
     r'final_lr must be a finite number above 0'),
    ('elbo empty batch', lambda d, v: ELBOLoss(v)(x_of(0)), ValueError,
     r'empty batch'),
    ('elbo list batch', lambda d, v: ELBOLoss(v)([[0., 1., 0., 1.]]),
     TypeError, r'must be an array'),
    ('elbo nan beta', lambda d, v: ELBOLoss(v, beta=numpy.nan), ValueError,
     r'beta must be a finite number >= 0'),
    ('sample kl k 0', lambda d, v: gaussian_sample_kl(
        numpy.zeros((2, 4), numpy.float32), k=0), ValueError,
     r'gaussian_sample_kl: k must be an integer'),
    ('inner product nan scale', lambda d, v: row_inner_product(
        numpy.ones((2, 3), numpy.float32), numpy.ones((2, 3), numpy.float32),
        scale=numpy.nan), ValueError, r'scale must be a finite number'),
    ('iterator empty', lambda d, v: ArrayIterator(
        numpy.zeros((0, 2), numpy.float32), 2), ValueError,
     r'dataset is empty'),
    ('iterator batch above data', lambda d, v: ArrayIterator(
        numpy.zeros((4, 2), numpy.float32), 10 ** 9), ValueError,
     r'batch_size 1000000000 is more than 100 times the 4 examples'),
    ('standard error nan', lambda d, v: mean_and_standard_error(
        [1., numpy.nan]), ValueError, r'hold NaN or inf'),
    ('binarize out of range', lambda d, v: binarize_images(
        numpy.full((2, 4), 2.), 'threshold'), ValueError,
     r'must lie in \[0, 1\]'),
    ('dynamic binarization nan', lambda d, v: DynamicBinarized(
        numpy.full((2, 4), numpy.nan)), ValueError, r'contains NaN'),
    ('fractional latent', lambda d, v: VAE.mlp(4, 2.5, 8), ValueError,
     r'n_latent must be an integer'),
    ('million layers', lambda d, v: VAE.mlp(4, 2, 8, 10 ** 6), ValueError,
     r'GaussianEncoder: n_layers must be an integer from 1 to 1000'),
    ('vae sample none', lambda d, v: v.sample(0), ValueError,
     r'VAE.sample: n must be an integer from 1'),
    ('vae sample prior fractional', lambda d, v: v.sample_prior(2.5),
     ValueError, r'VAE.sample_prior: n must be an integer from 1 to '
     r'2147483647, got 2.5'),
    ('decoder log_prob x above 1', lambda d, v: d.distribution(
        numpy.zeros((3, 2), numpy.float32)).log_prob(x_of(value=3.)),
     ValueError, r'BernoulliDecoder log_prob: x must lie in \[0, 1\]'),
    ('decoder huge initial bias', lambda d, v: BernoulliDecoder(
        2, 4, 8, initial_bias=1e300), ValueError,
     r'BernoulliDecoder: initial_bias must fit the parameters\' dtype'),
    ('vae sizes disagree', lambda d, v: VAE(v.encoder, BernoulliDecoder(
        2, 5, 8)), ValueError, r'VAE: the encoder takes data of 4 values'),
]


def test_counts_may_be_numpy_scalars_and_0d_arrays(vae):
    # numpy.array(3) worked before the counts were checked (review of
    # 2026-12-06); NumPy's own calls take it.
    for n in (numpy.array(3), numpy.int64(3), 3.0):
        assert vae.sample(n).shape == (3, 4)
    with pytest.raises(ValueError, match='n must be an integer'):
        vae.sample(numpy.array([3]))


class WrappedOptimizer(object):
    """An optimizer behind another object, as ChainerMN's multi-node
    optimizer wraps one (not a chainer.Optimizer subclass)."""

    def __init__(self, actual):
        self.__dict__['actual'] = actual

    def __getattr__(self, name):
        return getattr(self.actual, name)


def test_step_size_decay_takes_wrapped_optimizers_and_generators(vae):
    optimizer = setup(Adam(0.1), vae)
    decay = StepSizeDecay((WrappedOptimizer(o) for o in [optimizer]), 0, 10,
                          0.1)
    assert len(decay.base) == 1 and decay.base[0][1] == 0.1


def test_lists_are_taken_as_arrays(decoder, vae):
    rows = x_of(2).tolist()
    numpy.testing.assert_array_equal(
        quadrature_log_likelihood(decoder, rows, n_points=20),
        quadrature_log_likelihood(decoder, x_of(2), n_points=20))
    assert numpy.isfinite(ais_log_likelihood(decoder, rows, 3)).all()
    assert numpy.isfinite(importance_weighted_log_likelihood(
        vae, rows, k=3)).all()


@pytest.mark.parametrize('case', BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_arguments_raise_one_line_naming_them(case, decoder, vae):
    _, call, error, pattern = case
    with pytest.raises(error, match=pattern) as info:
        call(decoder, vae)
    assert '\n' not in str(info.value)


def works_or_refuses(call):
    """Runs ``call``: its finite result, or ``None`` when it raised
    ValueError or TypeError with a one-line message. Anything else (an
    internal error, a NaN result) fails the test."""
    try:
        result = call()
    except (ValueError, TypeError) as e:
        assert str(e) and '\n' not in str(e), repr(e)
        return None
    values = numpy.asarray(result, dtype=numpy.float64)
    assert numpy.isfinite(values).all(), result
    return values


def small(value, largest):
    """``value``, with a valid size above ``largest`` cut to ``largest``
    (huge sizes are valid, only slow; every invalid value is kept)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(value) and value > largest:
        return type(value)(largest)
    return value


@SETTINGS
@given(n_temperatures=NUMBERS, step_size=NUMBERS, n_chains=NUMBERS)
def test_ais_numbers(decoder, n_temperatures, step_size, n_chains):
    values = works_or_refuses(lambda: ais_log_likelihood(
        decoder, x_of(2), n_temperatures=small(n_temperatures, 3),
        n_leapfrog=1, step_size=step_size, n_chains=small(n_chains, 3)))
    if values is not None:
        assert (values <= 0).all()  # log p(x) of binary data


@SETTINGS
@given(n_points=NUMBERS, limit=NUMBERS)
def test_quadrature_numbers(decoder, n_points, limit):
    # A coarse grid is a poor quadrature, not an error: finite is all
    # that holds for every accepted value.
    works_or_refuses(lambda: quadrature_log_likelihood(
        decoder, x_of(2), n_points=small(n_points, 50), limit=limit))


@SETTINGS
@given(z=st.lists(st.tuples(st.floats(), st.floats()), max_size=20),
       n_bins=NUMBERS, limit=NUMBERS)
def test_aggregate_kl_numbers(z, n_bins, limit):
    z = numpy.array(z, dtype=numpy.float64).reshape(-1, 2)
    values = works_or_refuses(lambda: aggregate_posterior_kl(
        z, n_bins=small(n_bins, 200), limit=limit))
    if values is not None:
        assert values >= -1e-12  # A KL is not negative.


@SETTINGS
@given(alpha=NUMBERS, beta1=NUMBERS, beta2=NUMBERS, eps=NUMBERS)
def test_adam_numbers(alpha, beta1, beta2, eps):
    def call():
        optimizer = Adam(alpha, beta1=beta1, beta2=beta2, eps=eps)
        link = chainer.links.Linear(2, 2)
        optimizer.setup(link)
        link.cleargrads()
        chainer.functions.sum(link(numpy.ones((1, 2), numpy.float32))
                              ).backward()
        optimizer.update()
        return link.W.array
    try:
        call()
    except (ValueError, TypeError) as e:
        assert str(e) and '\n' not in str(e), repr(e)
        return
    # An accepted setting with a sane step size takes a finite step (a
    # step size near float32's largest number overflows the weights; the
    # snapshots refuse those: tests/test_resume_anywhere.py).
    if alpha <= 1e3:
        works_or_refuses(call)


@pytest.mark.parametrize('width', [0, -5, float('nan'), None])
def test_evaluation_rows_needs_a_width(width):
    # 0 divided by zero; NaN gave the most rows.
    from vae_avb.experiment import evaluation_rows
    with pytest.raises(ValueError, match='evaluation_rows: width must be an '
                       'integer from 1'):
        evaluation_rows(width)
    assert evaluation_rows(784) == 50000
