"""The fused nodes against Chainer's compositions and numeric gradients."""
import numpy
import pytest

import chainer
import chainer.functions as F
import chainer.links as L
from chainer import gradient_check

from vae_avb.functions import bernoulli_nll
from vae_avb.functions import bernoulli_nll_mean
from vae_avb.functions import dense_stack
from vae_avb.functions import dense_stack_array
from vae_avb.functions import gaussian_kl_divergence
from vae_avb.functions import gaussian_sample_kl
from vae_avb.functions import reference_path
from vae_avb.functions import row_inner_product
from vae_avb.functions import two_class_logistic_loss
from vae_avb.links import MLP

CHECK = dict(dtype=numpy.float64, eps=1e-6, atol=1e-6, rtol=1e-5)


def test_bernoulli_nll_mean_equals_bernoulli_nll():
    x = numpy.random.uniform(0, 1, (6, 9))
    logits = numpy.random.normal(scale=4, size=(6, 9))
    numpy.testing.assert_allclose(bernoulli_nll_mean(x, logits).array,
                                  bernoulli_nll(x, logits).array, rtol=1e-12)


def test_bernoulli_nll_mean_is_stable_for_large_logits():
    x = numpy.array([[1., 0.]], numpy.float32)
    logits = numpy.array([[200., -200.]], numpy.float32)
    value = bernoulli_nll_mean(x, logits).array
    assert numpy.isfinite(value) and abs(value) < 1e-6


def test_bernoulli_nll_mean_gradient():
    x = numpy.random.uniform(0.1, 0.9, (4, 5))
    logits = numpy.random.normal(size=(4, 5))
    gradient_check.check_backward(bernoulli_nll_mean, (x, logits), None,
                                  **CHECK)


@pytest.mark.parametrize('k', [1, 3])
@pytest.mark.parametrize('packed', [False, True])
def test_gaussian_sample_kl_equals_chainer_composition(k, packed):
    mu = numpy.random.normal(size=(5, 3))
    ln_var = numpy.random.normal(size=(5, 3))
    eps = numpy.random.standard_normal((k * 5, 3))
    if packed:
        z, kl = gaussian_sample_kl(numpy.hstack((mu, ln_var)), None, eps)
    else:
        z, kl = gaussian_sample_kl(mu, ln_var, eps)
    expected_z = F.gaussian(numpy.tile(mu, (k, 1)), numpy.tile(ln_var, (k, 1)),
                            eps=eps).array
    numpy.testing.assert_allclose(z.array, expected_z, rtol=1e-12)
    numpy.testing.assert_allclose(
        kl.array, gaussian_kl_divergence(mu, ln_var).array, rtol=1e-12)


@pytest.mark.parametrize('packed', [False, True])
def test_gaussian_sample_kl_gradient(packed):
    mu = numpy.random.normal(size=(4, 2))
    ln_var = numpy.random.normal(size=(4, 2))
    eps = numpy.random.standard_normal((8, 2))
    weights = numpy.random.normal(size=(8, 2))

    # Both outputs feed the checked value: z through a weighted sum.
    def f(*inputs):
        if packed:
            z, kl = gaussian_sample_kl(inputs[0], None, eps)
        else:
            z, kl = gaussian_sample_kl(inputs[0], inputs[1], eps)
        return F.sum(z * weights) + 1.7 * kl

    inputs = (numpy.hstack((mu, ln_var)),) if packed else (mu, ln_var)
    gradient_check.check_backward(f, inputs, None, **CHECK)


def test_gaussian_sample_kl_draws_like_chainer_gaussian():
    mu = numpy.zeros((4, 3), numpy.float32)
    ln_var = numpy.zeros((4, 3), numpy.float32)
    numpy.random.seed(3)
    z, _ = gaussian_sample_kl(mu, ln_var)
    numpy.random.seed(3)
    expected = F.gaussian(mu, ln_var).array
    numpy.testing.assert_array_equal(z.array, expected)


def test_gaussian_sample_kl_rejects_wrong_noise_shape():
    with pytest.raises(ValueError, match='eps has shape'):
        gaussian_sample_kl(numpy.zeros((4, 3)), numpy.zeros((4, 3)),
                           numpy.zeros((4, 2)))


def layers_float64(sizes):
    layers = [L.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    for layer in layers:
        layer.W.array = numpy.random.normal(
            scale=0.7, size=layer.W.shape)
        layer.b.array = numpy.random.normal(size=layer.b.shape)
    return layers


@pytest.mark.parametrize('activation', ['tanh', 'relu', 'sigmoid'])
@pytest.mark.parametrize('activate_output', [False, True])
def test_dense_stack_equals_layer_by_layer(activation, activate_output):
    mlp = MLP(5, 7, 3, 2, activation, activate_output)
    x = numpy.random.normal(size=(6, 5)).astype(numpy.float32)
    outputs = []
    for reference in (False, True):
        mlp.cleargrads()
        xv = chainer.Variable(x.copy())
        with reference_path(reference):
            y = mlp(xv)
            F.sum(y * numpy.arange(3, dtype=numpy.float32)).backward()
        outputs.append([y.array, xv.grad] + [p.grad for p in mlp.params()])
    for a, b in zip(*outputs):
        numpy.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# relu is checked against the composition above: its kink defeats
# numeric differentiation.
@pytest.mark.parametrize('activation', ['tanh', 'sigmoid'])
@pytest.mark.parametrize('activate_output', [False, True])
def test_dense_stack_gradient(activation, activate_output):
    layers = layers_float64([4, 6, 5, 3])
    x = numpy.random.normal(size=(7, 4))
    params = [p for layer in layers for p in (layer.W, layer.b)]
    gy = numpy.random.normal(size=(7, 3))
    gradient_check.check_backward(
        lambda x: dense_stack(x, layers, activation, activate_output),
        x, gy, params=params, **CHECK)


def test_dense_stack_frozen_gives_no_parameter_gradient():
    layers = layers_float64([3, 4, 2])
    for layer in layers:
        layer.cleargrads()
    x = chainer.Variable(numpy.random.normal(size=(5, 3)))
    F.sum(dense_stack(x, layers, 'tanh', frozen=True)).backward()
    assert x.grad is not None
    assert all(layer.W.grad is None and layer.b.grad is None
               for layer in layers)


def test_dense_stack_refuses_unknown_activation():
    with pytest.raises(ValueError, match='activation must be one of'):
        dense_stack(numpy.zeros((1, 3)), layers_float64([3, 2]), 'elu')


def test_row_inner_product():
    a = numpy.random.normal(size=(5, 4))
    b = numpy.random.normal(size=(5, 4))
    numpy.testing.assert_allclose(row_inner_product(a, b, 0.25).array,
                                  (a * b).sum(axis=1) * 0.25, rtol=1e-12)
    gradient_check.check_backward(
        lambda a, b: row_inner_product(a, b, 0.25), (a, b),
        numpy.random.normal(size=5), **CHECK)


@pytest.mark.parametrize('k', [2, 3])
def test_row_inner_product_with_groups_sharing_a(k):
    # b holds k groups of rows, each paired with a: what the composition
    # computes on tile(a, (k, 1)).
    a = numpy.random.normal(size=(5, 4))
    b = numpy.random.normal(size=(k * 5, 4))
    numpy.testing.assert_allclose(
        row_inner_product(a, b, 0.5).array,
        (numpy.tile(a, (k, 1)) * b).sum(axis=1) * 0.5, rtol=1e-12)
    gradient_check.check_backward(
        lambda a, b: row_inner_product(a, b, 0.5), (a, b),
        numpy.random.normal(size=k * 5), **CHECK)


@pytest.mark.parametrize('shapes', [((5, 4), (7, 4)), ((5, 4), (10, 3)),
                                    ((5,), (5,))])
def test_row_inner_product_refuses_mismatched_shapes(shapes):
    a, b = (numpy.zeros(shape) for shape in shapes)
    with pytest.raises(ValueError, match=r'\(k \* batch, n\)'):
        row_inner_product(a, b)


@pytest.mark.parametrize('n_positive', [1, 4, 6])
def test_two_class_logistic_loss_equals_sigmoid_cross_entropy(n_positive):
    logits = numpy.random.normal(scale=3, size=7)
    # Naive: -mean log sigmoid(t) over the positives, -mean log(1 -
    # sigmoid(t)) over the negatives.
    sigmoid = 1 / (1 + numpy.exp(-logits))
    naive = (-numpy.log(sigmoid[:n_positive]).mean()
             - numpy.log(1 - sigmoid[n_positive:]).mean())
    value = two_class_logistic_loss(logits, n_positive).array
    numpy.testing.assert_allclose(value, naive, rtol=1e-12)
    gradient_check.check_backward(
        lambda t: two_class_logistic_loss(t, n_positive), (logits,), None,
        **CHECK)


def test_two_class_logistic_loss_is_twice_sigmoid_cross_entropy():
    logits = numpy.random.normal(size=8).astype(numpy.float32)
    labels = numpy.repeat(numpy.array([1, 0], numpy.int32), 4)
    numpy.testing.assert_allclose(
        two_class_logistic_loss(logits, 4).array,
        2 * F.sigmoid_cross_entropy(logits, labels).array, rtol=1e-6)


def test_two_class_logistic_loss_is_stable_for_large_logits():
    logits = numpy.array([200., -200., -300., 300.], numpy.float32)
    assert float(two_class_logistic_loss(logits[:2], 1).array) < 1e-30
    assert float(two_class_logistic_loss(logits[2:], 1).array) == \
        pytest.approx(600)


@pytest.mark.parametrize('n_positive', [0, 3])
def test_two_class_logistic_loss_needs_both_classes(n_positive):
    with pytest.raises(ValueError, match='both classes'):
        two_class_logistic_loss(numpy.zeros(3), n_positive)


@pytest.mark.parametrize('activation,activate_output',
                         [('tanh', False), ('relu', True)])
def test_dense_stack_array_equals_dense_stack(activation, activate_output):
    layers = layers_float64([6, 5, 4, 3])
    x = numpy.random.normal(size=(7, 6))
    expected = dense_stack(x, layers, activation, activate_output).array
    numpy.testing.assert_array_equal(
        dense_stack_array(x, layers, activation, activate_output), expected)


def test_fused_nodes_refuse_double_backprop():
    x = chainer.Variable(numpy.random.uniform(0, 1, (2, 3)))
    logits = chainer.Variable(numpy.random.normal(size=(2, 3)))
    loss = bernoulli_nll_mean(x, logits)
    with pytest.raises(NotImplementedError, match='first-order .*'
                       'reference_path'):
        loss.backward(enable_double_backprop=True)


def test_the_reference_path_gives_second_derivatives():
    # Under the switch the same function composes Chainer's own nodes,
    # which support double backpropagation.
    logits = chainer.Variable(numpy.random.normal(size=(2, 3)))
    x = numpy.random.uniform(0, 1, (2, 3))
    with reference_path():
        loss = bernoulli_nll_mean(x, logits)
        g, = chainer.grad([loss], [logits], enable_double_backprop=True)
        gg, = chainer.grad([F.sum(g * g)], [logits])
    # d/dl of sum((sigmoid(l) - x)^2 / B^2) = 2 (p - x) p (1 - p) / B^2
    p = 1 / (1 + numpy.exp(-logits.array))
    numpy.testing.assert_allclose(gg.array, 2 * (p - x) * p * (1 - p) / 4,
                                  rtol=1e-10)


def test_bernoulli_nll_mean_checks_the_data_like_bernoulli_nll():
    logits = numpy.zeros((1, 2))
    with pytest.raises(ValueError, match=r'must lie in \[0, 1\]'):
        bernoulli_nll_mean(numpy.array([[0.5, 2.]]), logits)
    with pytest.raises(ValueError, match='NaN or inf'):
        bernoulli_nll_mean(numpy.array([[0.5, numpy.nan]]), logits)
