import chainer
from chainer import backend
from chainer import function_node
from chainer.utils import type_check

from vae_avb.functions.first_order import check_first_order


def _tanh(xp, h):
    xp.tanh(h, out=h)


def _tanh_grad(xp, y, g):
    # g * (1 - y * y), the operations of Chainer's TanhGrad.
    t = y * y
    xp.subtract(1, t, out=t)
    g *= t


def _relu(xp, h):
    xp.maximum(h, 0, out=h)


def _relu_grad(xp, y, g):
    g *= y > 0


def _sigmoid(xp, h):
    # 0.5 * tanh(0.5 h) + 0.5, as Chainer's sigmoid on CPU.
    h *= 0.5
    xp.tanh(h, out=h)
    h *= 0.5
    h += 0.5


def _sigmoid_grad(xp, y, g):
    g *= y * (1 - y)


# Activations whose derivative is a function of their output.
FUSED_ACTIVATIONS = {
    'tanh': (_tanh, _tanh_grad),
    'relu': (_relu, _relu_grad),
    'sigmoid': (_sigmoid, _sigmoid_grad),
}


def _check_activation(where, activation):
    if not isinstance(activation, str) or \
            activation not in FUSED_ACTIVATIONS:
        raise ValueError(
            '{}: activation must be one of {}, got {!r}'.format(
                where, ', '.join(sorted(FUSED_ACTIVATIONS)), activation))


def _check_layers(where, layers):
    """Refuses an empty stack and layers without weights or a bias."""
    if len(layers) == 0:
        raise ValueError(
            '{}: layers is empty; pass at least one Linear layer'.format(
                where))
    for layer in layers:
        if layer.W.array is None or layer.b is None:
            raise ValueError(
                '{}: every layer needs initialised weights and a bias; build '
                'Linear layers with n_in and without nobias'.format(where))


def _check_stack_types(in_types):
    """What :func:`chainer.functions.linear` checks, for each layer of
    ``(x, W_1, b_1, W_2, b_2, ...)``."""
    n_in = in_types.size()
    type_check.expect(n_in >= 3, n_in % 2 == 1)
    n_in = type_check.eval(n_in)
    names = ['x']
    for i in range(1, n_in // 2 + 1):
        names.extend(('W{}'.format(i), 'b{}'.format(i)))
    type_check._argname(in_types, tuple(names))
    x_type = in_types[0]
    type_check.expect(x_type.dtype.kind == 'f', x_type.ndim == 2)
    width = x_type.shape[1]
    for i in range(1, n_in, 2):
        w_type, b_type = in_types[i], in_types[i + 1]
        type_check.expect(
            w_type.dtype.kind == 'f',
            w_type.ndim == 2,
            b_type.dtype == x_type.dtype,
            b_type.ndim == 1,
        )
        type_check.expect(
            w_type.shape[1] == width,
            b_type.shape[0] == w_type.shape[0],
        )
        width = w_type.shape[0]


def _forward(x, weights, activate, activate_output):
    """The layers' outputs, from ``x`` and ``(W_1, b_1, W_2, b_2, ...)``."""
    xp = backend.get_array_module(x)
    h = x
    n = len(weights) // 2
    hidden = []
    for i in range(n):
        W, b = weights[2 * i], weights[2 * i + 1]
        # The operations of chainer.functions.linear.
        h = h.dot(W.T).astype(h.dtype, copy=False)
        h += b
        if i < n - 1 or activate_output:
            activate(xp, h)
        hidden.append(h)
    return hidden


class DenseStack(function_node.FunctionNode):

    """Linear layers with an activation between them, in one node."""

    def __init__(self, activation, activate_output):
        self.activate, self.activate_grad = FUSED_ACTIVATIONS[activation]
        self.activate_output = activate_output

    def check_type_forward(self, in_types):
        _check_stack_types(in_types)

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        self.hidden = _forward(inputs[0], inputs[1:], self.activate,
                               self.activate_output)
        h = self.hidden[-1]
        if not self.activate_output:
            self.hidden[-1] = None  # not needed by backward
        return h,

    def backward(self, indexes, grad_outputs):
        check_first_order('dense_stack')
        inputs = [v.array for v in self.get_retained_inputs()]
        xp = backend.get_array_module(*inputs)
        n = (len(inputs) - 1) // 2
        g = grad_outputs[0].array
        grads = [None] * len(inputs)
        wanted = set(indexes)
        for i in reversed(range(n)):
            if i < n - 1 or self.activate_output:
                if i == n - 1:
                    g = g.copy()  # do not scale the caller's gradient
                self.activate_grad(xp, self.hidden[i], g)
            h_in = inputs[0] if i == 0 else self.hidden[i - 1]
            W = inputs[1 + 2 * i]
            if 1 + 2 * i in wanted:
                grads[1 + 2 * i] = g.T.dot(h_in).astype(W.dtype, copy=False)
            if 2 + 2 * i in wanted:
                grads[2 + 2 * i] = g.sum(axis=0)
            if i > 0 or 0 in wanted:
                g = g.dot(W).astype(h_in.dtype, copy=False)
        grads[0] = g if 0 in wanted else None
        return tuple(chainer.Variable(grads[i]) for i in indexes)


def _check_array_types(node, inputs):
    """``node``'s type check on ``inputs`` as ``node.apply`` runs it (no
    node is applied): in Chainer's light mode, and again with the full
    message where that fails."""
    try:
        with type_check.light_mode:
            node.check_type_forward(type_check.get_light_types(inputs))
        return
    except type_check.InvalidType:
        pass
    with type_check.get_function_check_context(node):
        node.check_type_forward(
            type_check.get_types(inputs, 'in_types', False))


def dense_stack_array(x, layers, activation, activate_output=False):
    """What :func:`dense_stack` computes, on arrays, with no graph.

    For constants: an input that needs no gradient through layers whose
    parameters are not trained at this point (the adversary's x tower in
    the encoder's AVB step, the encoder's sample in the adversary's step).
    No function node is created.

    Returns:
        array: ``(B, n_out)``.
    """
    _check_activation('dense_stack_array', activation)
    _check_layers('dense_stack_array', layers)
    inputs = [chainer.as_array(x)]
    for layer in layers:
        inputs.extend((layer.W.array, layer.b.array))
    if chainer.config.type_check:
        _check_array_types(DenseStack(activation, activate_output),
                           tuple(inputs))
    return _forward(inputs[0], inputs[1:], FUSED_ACTIVATIONS[activation][0],
                    activate_output)[-1]


def dense_stack(x, layers, activation, activate_output=False, frozen=False):
    """Applies Linear links with an activation between them, fused.

    Computes what ``activation(layer_1(x))``, ..., ``layer_n(h)`` computes
    with :func:`chainer.functions.linear` (and the activation after the
    last layer too when ``activate_output``), the same array operations in
    the same order, as one function node whose backward is written out:
    one node instead of ``4n`` nodes per forward and backward pass, and the
    activation derivatives computed in place. First-order gradients only.

    Args:
        x (chainer.Variable or array): ``(B, n_in)``.
        layers (list of chainer.links.Linear): Initialised layers, with
            biases.
        activation (str): ``'tanh'``, ``'relu'`` or ``'sigmoid'``.
        activate_output (bool): Apply the activation after the last layer.
        frozen (bool): Use the layers' weights as constants: gradients
            flow to ``x`` only, none is computed for the parameters.

    Returns:
        chainer.Variable: ``(B, n_out)``.

    Raises:
        ValueError: An unknown activation, no layer, or a layer without
            initialised weights or a bias.
        chainer.utils.type_check.InvalidType: ``x`` is not a float matrix,
            a bias is not of its dtype, or the shapes do not chain (as
            :func:`chainer.functions.linear` reports it on the reference
            path).
    """
    _check_activation('dense_stack', activation)
    _check_layers('dense_stack', layers)
    inputs = [x]
    for layer in layers:
        if frozen:
            inputs.extend((layer.W.array, layer.b.array))
        else:
            inputs.extend((layer.W, layer.b))
    return DenseStack(activation, activate_output).apply(inputs)[0]
