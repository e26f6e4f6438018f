import chainer
import chainer.functions as F
import chainer.links as L

from vae_avb.functions.dense_stack import dense_stack
from vae_avb.functions.dense_stack import dense_stack_array
from vae_avb.functions.dense_stack import FUSED_ACTIVATIONS
from vae_avb.initializers import Xavier
from vae_avb.utils import get_activation


class MLP(chainer.ChainList):

    """Multi-layer perceptron: ``n_layers`` hidden layers and an output.

    ``n_in -> n_hidden -> ... -> n_hidden -> n_out``: ``n_layers + 1``
    :class:`~chainer.links.Linear` layers, the activation after each hidden
    layer, and after the output layer too when ``activate_output`` is true
    (the towers of :class:`~vae_avb.links.Adversary` use that). Weights are
    Xavier-initialised (the seeds' choice), biases zero.

    Args:
        n_in (int): Input size.
        n_hidden (int): Width of every hidden layer.
        n_out (int): Output size.
        n_layers (int): Number of hidden layers (0 gives one Linear).
        activation (str or callable): ``'tanh'``, ``'relu'``, ``'elu'``,
            ``'softplus'`` or a function.
        activate_output (bool): Apply the activation to the output too.
        initialW: Weight initializer; default
            :class:`~vae_avb.initializers.Xavier`.
        fused (bool): With ``'tanh'``, ``'relu'`` or ``'sigmoid'``, run
            the whole stack as one function node
            (:func:`~vae_avb.functions.dense_stack`): the same operations,
            a quarter of the framework overhead, first-order gradients
            only. ``False`` composes :func:`~chainer.functions.linear` and
            the activation layer by layer.
    """

    def __init__(self, n_in, n_hidden, n_out, n_layers=1, activation='tanh',
                 activate_output=False, initialW=None, fused=True):
        for name, size in (('n_in', n_in), ('n_hidden', n_hidden),
                           ('n_out', n_out)):
            if int(size) != size or size < 1:
                raise ValueError(
                    'MLP: {} must be a positive integer, got {!r}'.format(
                        name, size))
        if int(n_layers) != n_layers or n_layers < 0:
            raise ValueError(
                'MLP: n_layers must be a non-negative integer, got '
                '{!r}'.format(n_layers))
        super(MLP, self).__init__()
        self.activation = get_activation(activation)
        # The name of the activation when the fused node can run it.
        self.fused_activation = (
            activation if fused and isinstance(activation, str)
            and activation in FUSED_ACTIVATIONS else None)
        self.activate_output = activate_output
        self.n_in = n_in
        self.n_out = n_out
        sizes = [n_in] + [n_hidden] * n_layers + [n_out]
        for size_in, size_out in zip(sizes[:-1], sizes[1:]):
            self.append(L.Linear(
                size_in, size_out, initialW=initialW or Xavier()))

    def forward(self, x, frozen=False):
        """Applies the layers to ``x`` of shape ``(B, n_in)``.

        With ``frozen=True`` the weights enter as constants: gradients reach
        ``x`` but no parameter (a network that is only *used* by a loss,
        such as the adversary in the encoder's AVB step). A frozen stack
        given an array (not a Variable) needs no graph: the fused stack
        then returns a constant, computed as :meth:`forward_array` does.

        Returns:
            chainer.Variable: Shape ``(B, n_out)``.
        """
        if self.fused_activation is not None:
            if frozen and not isinstance(x, chainer.Variable):
                # Nothing here needs a gradient: no graph at all.
                return chainer.Variable(self.forward_array(x),
                                        requires_grad=False)
            return dense_stack(x, list(self), self.fused_activation,
                               self.activate_output, frozen)
        h = x
        last = len(self) - 1
        for i, layer in enumerate(self):
            h = F.linear(h, layer.W.array, layer.b.array) if frozen \
                else layer(h)
            if i < last or self.activate_output:
                h = self.activation(h)
        return h

    def forward_array(self, x):
        """The output for ``x`` as an array, computed without a graph.

        For values no gradient flows through (an encoder's sample for the
        adversary's step, a frozen tower on data). With a fused activation
        no function node is created
        (:func:`~vae_avb.functions.dense_stack_array`); otherwise the
        layers run under :func:`chainer.no_backprop_mode`.
        """
        if self.fused_activation is not None:
            return dense_stack_array(x, list(self), self.fused_activation,
                                     self.activate_output)
        with chainer.no_backprop_mode():
            return self.forward(x).array
