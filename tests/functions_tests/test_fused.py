"""The fused nodes against Chainer's compositions and numeric gradients."""
import numpy
import pytest

import chainer
import chainer.functions as F
import chainer.links as L
from chainer import gradient_check
from chainer.utils import type_check

from vae_avb.functions import bernoulli_nll
from vae_avb.functions import bernoulli_nll_mean
from vae_avb.functions import dense_layers
from vae_avb.functions import dense_layers_array
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


PATHS = [False, True]   # reference_path(enabled)


@pytest.mark.parametrize('reference', PATHS)
def test_gaussian_sample_kl_refuses_integer_inputs(reference):
    # The fused path drew integer noise and returned an integer KL (1
    # where 1.609 is right).
    mean = numpy.array([[0, 1], [2, 0]], numpy.int32)
    ln_var = numpy.array([[1, 0], [0, 1]], numpy.int32)
    with reference_path(reference):
        with pytest.raises(type_check.InvalidType, match=r'kind == f'):
            gaussian_sample_kl(mean, ln_var, k=3)
        with pytest.raises(type_check.InvalidType, match=r'kind == f'):
            gaussian_sample_kl(numpy.hstack((mean, ln_var)), None, k=3)


@pytest.mark.parametrize('reference', PATHS)
def test_gaussian_sample_kl_refuses_noise_of_another_dtype(reference):
    mean = numpy.zeros((2, 3), numpy.float32)
    with reference_path(reference):
        with pytest.raises(TypeError, match=r'^gaussian_sample_kl: eps has '
                           r'dtype float64 but mean float32; .*'
                           r'eps.astype\(numpy.float32\)'):
            gaussian_sample_kl(mean, mean, numpy.zeros((4, 3)))


def mixed_float_calls():
    f32 = numpy.random.normal(size=(3, 4)).astype(numpy.float32)
    f64 = numpy.random.uniform(size=(3, 4))
    return {
        'row_inner_product': lambda: row_inner_product(
            chainer.Variable(f32), chainer.Variable(f64)),
        'gaussian_sample_kl': lambda: gaussian_sample_kl(
            chainer.Variable(f32), chainer.Variable(f64)),
        'bernoulli_nll_mean': lambda: bernoulli_nll_mean(
            chainer.Variable(f64), chainer.Variable(f32)),
    }


@pytest.mark.parametrize('reference', PATHS)
@pytest.mark.parametrize('name', sorted(mixed_float_calls()))
def test_mixed_float_dtypes_are_refused_in_forward(name, reference):
    # They ran forward, then backward failed with Chainer's "has a bug".
    with reference_path(reference):
        with pytest.raises((type_check.InvalidType, TypeError),
                           match='dtype'):
            mixed_float_calls()[name]()


def integer_calls():
    x = numpy.random.uniform(size=(2, 3)).astype(numpy.float32)
    ints = numpy.ones((2, 3), numpy.int32)
    return {
        'bernoulli_nll_mean': (
            TypeError, lambda: bernoulli_nll_mean(x, ints)),
        'row_inner_product': (
            type_check.InvalidType, lambda: row_inner_product(ints, ints)),
        'two_class_logistic_loss': (
            type_check.InvalidType,
            lambda: two_class_logistic_loss(numpy.array([1, 2, 3]), 1)),
    }


@pytest.mark.parametrize('reference', PATHS)
@pytest.mark.parametrize('name', sorted(integer_calls()))
def test_integer_inputs_are_refused_alike_on_both_paths(name, reference):
    # The fused nodes ended in a NumPy UFuncTypeError.
    error, call = integer_calls()[name]
    with reference_path(reference):
        with pytest.raises(error) as info:
            call()
    # Exactly: NumPy's UFuncTypeError is a TypeError too.
    assert type(info.value) is error, repr(info.value)


def test_dense_stack_checks_types_as_linear_does():
    layers = layers_float64([3, 4, 2])
    x = numpy.random.normal(size=(5, 3))
    for bad_x in (x.astype(numpy.int32), x[:, :2], x[0]):
        with pytest.raises(type_check.InvalidType):
            dense_stack(bad_x, layers, 'tanh')
        with pytest.raises(type_check.InvalidType):
            dense_stack_array(bad_x, layers, 'tanh')
    # A bias of another dtype than x, as chainer.functions.linear refuses.
    with pytest.raises(type_check.InvalidType, match='b1.dtype == x.dtype'):
        dense_stack(x.astype(numpy.float32), layers, 'tanh')
    layers[1].W.array = numpy.zeros((2, 5))
    with pytest.raises(type_check.InvalidType, match='W2.shape'):
        dense_stack(x, layers, 'tanh')


def test_fused_nodes_keep_float16():
    h = numpy.float16
    x = numpy.random.uniform(size=(4, 3)).astype(h)
    logits = numpy.random.normal(size=(4, 3)).astype(h)
    assert bernoulli_nll_mean(x, logits).dtype == h
    assert row_inner_product(x, logits).dtype == h
    assert two_class_logistic_loss(logits[:, 0], 2).dtype == h
    z, kl = gaussian_sample_kl(x, logits, eps=logits)
    assert z.dtype == kl.dtype == h
    layers = [L.Linear(3, 2)]
    for layer in layers:
        layer.W.array = layer.W.array.astype(h)
        layer.b.array = layer.b.array.astype(h)
    assert dense_stack(x, layers, 'tanh').dtype == h
    assert dense_stack_array(x, layers, 'tanh').dtype == h


@pytest.mark.parametrize('function', [dense_stack, dense_stack_array,
                                      dense_layers, dense_layers_array])
def test_dense_functions_refuse_no_layers(function):
    with pytest.raises(ValueError, match='^{}: layers is empty; pass at '
                       'least one Linear layer$'.format(function.__name__)):
        function(numpy.ones((2, 4), numpy.float32), [], 'tanh')


@pytest.mark.parametrize('layer', [lambda: L.Linear(4, 3, nobias=True),
                                   lambda: L.Linear(None, 3)])
def test_dense_stack_array_refuses_what_dense_stack_refuses(layer):
    x = numpy.ones((2, 4), numpy.float32)
    for function in (dense_stack, dense_stack_array):
        with pytest.raises(ValueError, match='^{}: every layer needs '
                           'initialised weights and a bias; build'.format(
                               function.__name__)):
            function(x, [layer()], 'tanh')


@pytest.mark.parametrize('layer', [lambda: L.Linear(4, 3, nobias=True),
                                   lambda: L.Linear(None, 3)])
def test_dense_layers_compose_what_dense_stack_cannot_fuse(layer):
    # On the fused path as on the reference path: Chainer's composition.
    x = numpy.random.uniform(size=(2, 4)).astype(numpy.float32)
    layer = layer()
    y = dense_layers(x, [layer], 'tanh', activate_output=True)
    b = 0 if layer.b is None else layer.b.array
    numpy.testing.assert_allclose(y.array, numpy.tanh(
        x @ layer.W.array.T + b), rtol=1e-6)
    numpy.testing.assert_array_equal(
        dense_layers_array(x, [layer], 'tanh', True), y.array)
    numpy.testing.assert_array_equal(
        dense_layers(x, [layer], 'tanh', True, constant=True).array, y.array)


def test_dense_stack_refuses_an_activation_that_is_no_name():
    for activation in (['tanh'], None):
        with pytest.raises(ValueError, match='activation must be one of'):
            dense_stack(numpy.zeros((1, 3)), layers_float64([3, 2]),
                        activation)


@pytest.mark.parametrize('rows', [3, 6])
@pytest.mark.parametrize('reference', PATHS)
def test_row_inner_product_of_zero_width_rows_is_zero(rows, reference):
    a = chainer.Variable(numpy.zeros((3, 0)))
    b = chainer.Variable(numpy.zeros((rows, 0)))
    with reference_path(reference):
        t = row_inner_product(a, b, 0.5)
        F.sum(t).backward()
    numpy.testing.assert_array_equal(t.array, numpy.zeros(rows))
    assert a.grad.shape == (3, 0) and b.grad.shape == (rows, 0)


@pytest.mark.parametrize('n_positive', [2.5, True, '2', None,
                                        numpy.array([2]), -1])
@pytest.mark.parametrize('reference', PATHS)
def test_two_class_logistic_loss_refuses_n_positive_not_a_count(
        n_positive, reference):
    with reference_path(reference):
        with pytest.raises(ValueError, match=r'^two_class_logistic_loss: '
                           r'n_positive .*must be an integer from 1 to 4'):
            two_class_logistic_loss(numpy.zeros(5), n_positive)


def test_two_class_logistic_loss_takes_any_integral_n_positive():
    logits = numpy.random.normal(size=5)
    expected = two_class_logistic_loss(logits, 2).array
    for n_positive in (2.0, numpy.int64(2), numpy.float32(2)):
        numpy.testing.assert_array_equal(
            two_class_logistic_loss(logits, n_positive).array, expected)
