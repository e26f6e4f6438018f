import chainer
import chainer.functions as F

from vae_avb.functions.dense_stack import dense_stack
from vae_avb.functions.dense_stack import dense_stack_array
from vae_avb.functions.dense_stack import FUSED_ACTIVATIONS
from vae_avb.functions.fused_path import use_fused
from vae_avb.functions.activation import get_activation


def _fusable(activation, layers):
    # dense_stack takes initialised layers with biases; others compose.
    return use_fused() and isinstance(activation, str) \
        and activation in FUSED_ACTIVATIONS \
        and all(layer.b is not None and layer.W.array is not None
                for layer in layers)


def _check_layers(layers, constant, where):
    if len(layers) == 0:
        raise ValueError(
            '{}: layers is empty; pass at least one Linear layer'.format(
                where))
    if constant and any(layer.W.array is None for layer in layers):
        raise ValueError(
            '{}: constant layers need initialised weights; build Linear '
            'layers with n_in or run them once first'.format(where))


def dense_layers(x, layers, activation, activate_output=False,
                 constant=False):
    """``layer_n(... activation(layer_1(x)))``: Linear layers with an
    activation between them (and after the last with
    ``activate_output``).

    On the fused path, with ``'tanh'``, ``'relu'`` or ``'sigmoid'`` and
    initialised layers with biases, one function node
    (:func:`~vae_avb.functions.dense_stack`); otherwise Chainer's
    :func:`~chainer.functions.linear` and the activation layer by layer.

    Args:
        x (chainer.Variable or array): ``(B, n_in)``.
        layers (list of chainer.links.Linear): At least one layer.
        activation (str or callable): The activation.
        activate_output (bool): Also after the last layer.
        constant (bool): The layers' weights enter as constants:
            gradients reach ``x`` only. With an array ``x`` (nothing needs
            a gradient) no graph is built at all.

    Returns:
        chainer.Variable: ``(B, n_out)``.

    Raises:
        ValueError: ``layers`` is empty, or ``constant`` with a layer not
            initialised yet.
    """
    _check_layers(layers, constant, 'dense_layers')
    if constant and not isinstance(x, chainer.Variable):
        # Nothing here needs a gradient: no graph at all.
        return chainer.Variable(dense_layers_array(
            x, layers, activation, activate_output), requires_grad=False)
    if _fusable(activation, layers):
        return dense_stack(x, layers, activation, activate_output, constant)
    activate = get_activation(activation)
    h = x
    last = len(layers) - 1
    for i, layer in enumerate(layers):
        h = F.linear(h, layer.W.array, None if layer.b is None
                     else layer.b.array) if constant else layer(h)
        if i < last or activate_output:
            h = activate(h)
    return h


def dense_layers_array(x, layers, activation, activate_output=False):
    """What :func:`dense_layers` computes, as an array, without a graph
    (on the fused path no function node is created at all)."""
    _check_layers(layers, False, 'dense_layers_array')
    if _fusable(activation, layers):
        return dense_stack_array(x, layers, activation, activate_output)
    with chainer.no_backprop_mode():
        return dense_layers(x, layers, activation, activate_output).array
