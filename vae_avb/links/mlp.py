import chainer
import chainer.links as L

from vae_avb.functions.dense_layers import dense_layers
from vae_avb.functions.dense_layers import dense_layers_array
from vae_avb.initializers import Xavier
from vae_avb.utils import check_batch
from vae_avb.functions import get_activation
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer
from vae_avb.utils.removed import FROZEN_REMOVED
from vae_avb.utils.removed import FUSED_REMOVED
from vae_avb.utils.removed import refuse_removed

# Deeper stacks than this are no network anyone trains here, and would
# take minutes to build.
MAX_LAYERS = 1000


def dense_shapes(sizes):
    """The weight and the bias shapes of the Linear layers from each of
    ``sizes`` to the next: ``([(out, in), ...], [(out,), ...])``, for
    :func:`~vae_avb.utils.check.check_initializer`."""
    return ([(b, a) for a, b in zip(sizes[:-1], sizes[1:])],
            [(b,) for b in sizes[1:]])


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
        initialW: Weight initializer of every layer (any Chainer
            initializer, or a scalar); ``None`` gives
            :class:`~vae_avb.initializers.Xavier` (the seeds' and the
            papers'). Chainer's own default would be
            ``chainer.initializers.LeCunNormal()``.
        initial_bias: Bias initializer of every layer; ``None`` gives
            zeros (as Chainer's).

    With ``'tanh'``, ``'relu'`` or ``'sigmoid'`` the fused path
    (:func:`~vae_avb.functions.use_fused`) runs the whole stack as one
    function node (:func:`~vae_avb.functions.dense_stack`): the same
    operations, a quarter of the framework overhead, first-order gradients
    only; the reference path composes :func:`~chainer.functions.linear`
    and the activation layer by layer.
    """

    def __init__(self, n_in, n_hidden, n_out, n_layers=1, activation='tanh',
                 activate_output=False, initialW=None, initial_bias=None,
                 fused=None):
        refuse_removed('MLP', 'fused', fused, FUSED_REMOVED)
        n_in, n_hidden, n_out = (check_count(size, name, 'MLP') for name, size
                                 in (('n_in', n_in), ('n_hidden', n_hidden),
                                     ('n_out', n_out)))
        n_layers = check_count(n_layers, 'n_layers', 'MLP', minimum=0,
                               maximum=MAX_LAYERS)
        super(MLP, self).__init__()
        get_activation(activation)  # Refuses an unknown name now.
        activate_output = check_bool(activate_output, 'activate_output',
                                     'MLP')
        sizes = [n_in] + [n_hidden] * n_layers + [n_out]
        w_shapes, b_shapes = dense_shapes(sizes)
        check_initializer(initialW, 'initialW', 'MLP', w_shapes)
        check_initializer(initial_bias, 'initial_bias', 'MLP', b_shapes)
        self.activation = activation
        self.activate_output = activate_output
        self.n_in = n_in
        self.n_out = n_out
        for size_in, size_out in zip(sizes[:-1], sizes[1:]):
            self.append(L.Linear(
                size_in, size_out,
                initialW=Xavier() if initialW is None else initialW,
                initial_bias=initial_bias))

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self[0].W.dtype

    def forward(self, x, frozen=None):
        """Applies the layers to ``x`` of shape ``(B, n_in)``.

        Returns:
            chainer.Variable: Shape ``(B, n_out)``.
        """
        refuse_removed('MLP.forward', 'frozen', frozen, FROZEN_REMOVED)
        self._check(x)
        return dense_layers(x, list(self), self.activation,
                            self.activate_output)

    def constant(self, x):
        """The output for ``x`` with the weights as constants: gradients
        reach ``x`` but no parameter (a network that is only *used* by a
        loss, such as the adversary in the encoder's AVB step). Given an
        array (not a Variable), no graph is built at all.

        Returns:
            chainer.Variable: Shape ``(B, n_out)``.
        """
        self._check(x)
        return dense_layers(x, list(self), self.activation,
                            self.activate_output, constant=True)

    def forward_array(self, x):
        """The output for ``x`` as an array, computed without a graph.

        For values no gradient flows through (an encoder's sample for the
        adversary's step, a constant tower on data); on the fused path no
        function node is created.
        """
        self._check(x)
        return dense_layers_array(x, list(self), self.activation,
                                  self.activate_output)

    def _check(self, x):
        # Metadata only: a float batch (B, n_in), B >= 1, of the weights'
        # dtype.
        check_batch(x, self.n_in, 'x', 'MLP', self.dtype,
                    'pass inputs of shape (batch, {})'.format(self.n_in))
