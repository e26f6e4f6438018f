import chainer
import chainer.links as L

from vae_avb.functions.elu import elu
from vae_avb.functions.row_inner_product import row_inner_product
from vae_avb.initializers import Xavier
from vae_avb.links.adversary import _add_prior_term
from vae_avb.links.adversary import _add_side_terms
from vae_avb.links.adversary import _linear
from vae_avb.links.adversary import _pairs
from vae_avb.links.adversary import check_tower_initializers
from vae_avb.links.mlp import MAX_LAYERS
from vae_avb.links.mlp import MLP
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_positive
from vae_avb.utils.check import largest_value


class HeadsAdversary(chainer.Chain):

    """The AVB authors' MNIST adversary: four towers and wide heads.

    ``T(x, z) = <theta(x), s(z)> + Tx(x) + Tz(z) (+ 0.5 ||z||^2)``, where
    ``theta``, ``s``, ``Tx`` and ``Tz`` each start with a tower of
    ``n_layers`` activated dense layers of ``n_hidden`` units (their code:
    3 x 1,024, leaky ReLU of slope 0.2), then ``theta`` ends with a dense
    layer of ``n_heads`` units and an ELU (their 8,192, weights drawn with
    standard deviation ``head_scale``, 1e-5, so that ``T`` starts near its
    side terms), ``s`` with a linear dense layer of ``n_heads`` units, and
    ``Tx``, ``Tz`` with one linear unit each. Unlike
    :class:`~vae_avb.links.Adversary` the inner product is not divided by
    the width. ``../shared/REFERENCE.md``, section 3.

    The interface is :class:`~vae_avb.links.Adversary`'s: ``forward`` and
    ``constant`` score ``(x, z)`` pairs, with ``shared_x`` for ``k``
    groups of ``z`` rows sharing the same ``x`` (the x towers run once).

    Args:
        n_in (int): Data size ``D``.
        n_latent (int): Latent size.
        n_hidden (int): Width of the four towers.
        n_layers (int): Activated layers of each tower.
        n_heads (int): Width of ``theta(x)`` and ``s(z)``.
        activation (str or callable): The towers' activation.
        center_x (bool): Feed ``2x - 1`` to the x towers.
        prior_term (bool): Add ``0.5 * ||z||^2``.
        head_scale (float): Standard deviation of the normal weights of
            ``theta``'s last layer.
        initialW: Weight initializer of the other layers; ``None`` gives
            :class:`~vae_avb.initializers.Xavier`.
        initial_bias: Bias initializer; ``None`` gives zeros.
    """

    def __init__(self, n_in, n_latent, n_hidden=1024, n_layers=3,
                 n_heads=8192, activation='leaky_relu', center_x=True,
                 prior_term=True, head_scale=1e-5, initialW=None,
                 initial_bias=None):
        super(HeadsAdversary, self).__init__()
        where = 'HeadsAdversary'
        self.n_in = check_count(n_in, 'n_in', where)
        self.n_latent = check_count(n_latent, 'n_latent', where)
        n_hidden = check_count(n_hidden, 'n_hidden', where)
        n_layers = check_count(n_layers, 'n_layers', where, 1, MAX_LAYERS)
        self.n_heads = check_count(n_heads, 'n_heads', where)
        check_positive(head_scale, 'head_scale', where)
        # Normal draws stay within a few standard deviations: ten keep
        # theta's weights finite.
        limit = largest_value() / 10
        if head_scale > limit:
            raise ValueError(
                '{}: head_scale (the standard deviation of theta\'s weights) '
                'must be below {:g} for {} weights, got {!r}; the authors '
                'use 1e-5'.format(where, limit, chainer.get_dtype().name,
                                  head_scale))
        check_tower_initializers(
            where, initialW, initial_bias,
            (self.n_in, self.n_latent, self.n_in, self.n_latent), n_hidden,
            n_layers, [self.n_heads, 1, 1])
        self.center_x = check_bool(center_x, 'center_x', where)
        self.prior_term = check_bool(prior_term, 'prior_term', where)
        w = Xavier() if initialW is None else initialW

        def tower(n):
            return MLP(n, n_hidden, n_hidden, n_layers - 1, activation,
                       activate_output=True, initialW=w,
                       initial_bias=initial_bias)

        with self.init_scope():
            self.theta_tower = tower(self.n_in)
            self.s_tower = tower(self.n_latent)
            self.x_tower = tower(self.n_in)
            self.z_tower = tower(self.n_latent)
            self.theta = L.Linear(
                n_hidden, self.n_heads,
                initialW=chainer.initializers.Normal(head_scale),
                initial_bias=initial_bias)
            self.s = L.Linear(n_hidden, self.n_heads, initialW=w,
                              initial_bias=initial_bias)
            self.x_head = L.Linear(n_hidden, 1, initialW=w,
                                   initial_bias=initial_bias)
            self.z_head = L.Linear(n_hidden, 1, initialW=w,
                                   initial_bias=initial_bias)

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.theta.W.dtype

    def forward(self, x, z, shared_x=False):
        """Logits ``T(x, z)``, as :meth:`Adversary.forward
        <vae_avb.links.Adversary.forward>`."""
        return self._score(x, z, shared_x, False)

    def constant(self, x, z, shared_x=False):
        """What :meth:`forward` scores, with the parameters as constants
        (gradients reach ``x`` and ``z`` only)."""
        return self._score(x, z, shared_x, True)

    def _score(self, x, z, shared_x, constant):
        x, k = _pairs(self, x, z, shared_x)
        tower = 'constant' if constant else 'forward'
        theta = elu(_linear(self.theta,
                            getattr(self.theta_tower, tower)(x), constant))
        s = _linear(self.s, getattr(self.s_tower, tower)(z), constant)
        t = _add_side_terms(
            row_inner_product(theta, s, 1.0),
            _linear(self.x_head, getattr(self.x_tower, tower)(x), constant),
            _linear(self.z_head, getattr(self.z_tower, tower)(z), constant),
            k)
        return _add_prior_term(t, z) if self.prior_term else t
