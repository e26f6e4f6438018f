import chainer
import chainer.functions as F
import chainer.links as L

from vae_avb.functions.row_inner_product import row_inner_product
from vae_avb.links.mlp import dense_shapes
from vae_avb.links.mlp import MAX_LAYERS
from vae_avb.links.mlp import MLP
from vae_avb.utils import check_batch
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer
from vae_avb.utils.removed import FROZEN_REMOVED
from vae_avb.utils.removed import FUSED_REMOVED
from vae_avb.utils.removed import refuse_removed


class Adversary(chainer.Chain):

    """AVB adversary ``T(x, z) = <g(x), h(z)> / n_hidden`` (+ prior term).

    Mescheder et al. 2017, Eq. (3.3): ``T`` tells pairs ``(x, z ~ q(z|x))``
    (label 1) from pairs ``(x, z ~ p(z))`` (label 0); at its optimum
    ``T*(x, z) = log q(z|x) - log p(z)``. As in seed 004, ``T`` is the
    inner product of an x tower ``g`` and a z tower ``h`` (each ``n_layers``
    layers of width ``n_hidden``), divided by ``n_hidden``. Unlike seed
    004, the last layer of each tower is linear, as in the authors' MNIST
    adversary: with activated ReLU outputs both towers are non-negative,
    so ``T >= 0`` everywhere and the adversary cannot represent
    ``log q - log p`` where it is negative (most of the prior's mass).
    ``prior_term`` adds ``0.5 * ||z||^2``, which is ``-log p(z)`` up to a
    constant: the authors add it so that ``T`` only has to learn
    ``log q(z|x)`` plus a constant. ``side_terms`` adds an x-only and a
    z-only term, each a linear read-out of its tower's output, giving a
    two-tower form of the authors' MNIST adversary
    ``T(x, z) = <g(x), h(z)> / n_hidden + Tx(x) + Tz(z) + 0.5 ||z||^2``
    (with ``prior_term``); theirs, with four towers and wide heads, is
    :class:`~vae_avb.links.HeadsAdversary`.

    Args:
        n_in (int): Data size ``D``.
        n_latent (int): Latent size.
        n_hidden (int): Width of both towers (seed 004: 512).
        n_layers (int): Layers in each tower (seed 004: 3).
        activation (str or callable): Activation (seed 004: relu).
        center_x (bool): Feed ``2x - 1`` to the x tower (seed 004).
        prior_term (bool): Add ``0.5 * ||z||^2`` to the output.
        side_terms (bool): Add ``Tx(x) + Tz(z)``, linear read-outs of the
            two towers.
        initialW: Weight initializer; ``None`` gives
            :class:`~vae_avb.initializers.Xavier` in the towers and
            Chainer's default (``LeCunNormal``) in the two read-outs.
        initial_bias: Bias initializer; ``None`` gives zeros.
    """

    def __init__(self, n_in, n_latent, n_hidden=512, n_layers=3,
                 activation='relu', center_x=True, prior_term=False,
                 side_terms=False, initialW=None, initial_bias=None,
                 fused=None):
        refuse_removed('Adversary', 'fused', fused, FUSED_REMOVED)
        super(Adversary, self).__init__()
        where = 'Adversary'
        n_in, n_latent, n_hidden = (
            check_count(value, name, where) for name, value in (
                ('n_in', n_in), ('n_latent', n_latent),
                ('n_hidden', n_hidden)))
        n_layers = check_count(n_layers, 'n_layers', where, 1, MAX_LAYERS)
        center_x, prior_term, side_terms = (
            check_bool(value, name, where) for name, value in (
                ('center_x', center_x), ('prior_term', prior_term),
                ('side_terms', side_terms)))
        check_tower_initializers(
            where, initialW, initial_bias, (n_in, n_latent), n_hidden,
            n_layers, [1, 1] if side_terms else [])
        self.n_in = n_in
        self.n_latent = n_latent
        self.n_hidden = n_hidden
        self.center_x = center_x
        self.prior_term = prior_term
        self.side_terms = side_terms
        with self.init_scope():
            self.x_tower = MLP(n_in, n_hidden, n_hidden, n_layers - 1,
                               activation, initialW=initialW,
                               initial_bias=initial_bias)
            self.z_tower = MLP(n_latent, n_hidden, n_hidden, n_layers - 1,
                               activation, initialW=initialW,
                               initial_bias=initial_bias)
            if side_terms:
                self.x_head = L.Linear(n_hidden, 1, initialW=initialW,
                                       initial_bias=initial_bias)
                self.z_head = L.Linear(n_hidden, 1, initialW=initialW,
                                       initial_bias=initial_bias)

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.x_tower.dtype

    def forward(self, x, z, frozen=None, shared_x=False):
        """Scores pairs.

        Args:
            x (chainer.Variable or array): Shape ``(B, n_in)``.
            z (chainer.Variable or array): Shape ``(B, n_latent)``, or
                ``(k B, n_latent)`` with ``shared_x``.
            shared_x (bool): ``z`` holds ``k`` groups of ``B`` rows, each
                group paired with the same ``x`` (the posterior and the
                prior samples of the adversary's step): the x tower runs
                once on ``B`` rows instead of ``k`` times.

        Returns:
            chainer.Variable: Logits ``T(x, z)`` of shape ``(B,)`` (``(k
            B,)`` with ``shared_x``), row ``j B + i`` scoring ``(x_i,
            z_(j B + i))``.
        """
        refuse_removed('Adversary.forward', 'frozen', frozen, FROZEN_REMOVED)
        return self._score(x, z, shared_x, False)

    def constant(self, x, z, shared_x=False):
        """What :meth:`forward` scores, with the adversary's parameters as
        constants: gradients reach ``x`` and ``z`` only (the encoder's step
        of AVB uses the adversary so)."""
        return self._score(x, z, shared_x, True)

    def _score(self, x, z, shared_x, constant):
        x, k = _pairs(self, x, z, shared_x)
        tower = 'constant' if constant else 'forward'
        g = getattr(self.x_tower, tower)(x)
        h = getattr(self.z_tower, tower)(z)
        # Row j B + i pairs x_i with z_(j B + i); g stays B rows.
        t = row_inner_product(g, h, 1.0 / self.n_hidden)
        if self.side_terms:
            t = _add_side_terms(t, _linear(self.x_head, g, constant),
                                _linear(self.z_head, h, constant), k)
        return _add_prior_term(t, z) if self.prior_term else t


def check_tower_initializers(where, initialW, initial_bias, inputs,
                             n_hidden, n_layers, heads):
    """Checks ``initialW`` and ``initial_bias`` against every layer of an
    adversary: a tower of ``n_layers`` layers of ``n_hidden`` units on
    each of ``inputs`` (sizes), and a head of ``n`` units on ``n_hidden``
    for each ``n`` of ``heads``."""
    w_shapes, b_shapes = [], []
    for n_in in inputs:
        w, b = dense_shapes([n_in] + [n_hidden] * n_layers)
        w_shapes += w
        b_shapes += b
    w_shapes += [(n, n_hidden) for n in heads]
    b_shapes += [(n,) for n in heads]
    check_initializer(initialW, 'initialW', where, w_shapes)
    check_initializer(initial_bias, 'initial_bias', where, b_shapes)


def _pairs(adversary, x, z, shared_x):
    """Checks a batch of pairs for ``adversary`` (an :class:`Adversary` or
    a :class:`~vae_avb.links.HeadsAdversary`); returns the x its towers
    take and ``k``, the z rows per x."""
    where = type(adversary).__name__
    shared_x = check_bool(shared_x, 'shared_x', where)
    check_batch(x, adversary.n_in, 'x', where, adversary.dtype)
    check_batch(z, adversary.n_latent, 'z', where, adversary.dtype)
    rows = x.shape[0]
    if (z.shape[0] % rows if shared_x and rows else z.shape[0] != rows):
        raise ValueError(
            '{}: x has {} rows but z has {}; pass one z per x{}'.format(
                where, rows, z.shape[0],
                ' (or k per x with shared_x)' if shared_x else ''))
    if adversary.center_x:
        x = 2 * x - 1
    return x, z.shape[0] // rows if rows else 1


def _add_side_terms(t, tx, tz, k):
    """``t + Tx(x) + Tz(z)`` from the read-outs ``(B, 1)`` and ``(k B,
    1)``; ``Tx`` repeats over the ``k`` groups of z rows."""
    tx = F.reshape(tx, (tx.shape[0],))
    if k > 1:
        tx = F.tile(tx, (k,))
    return t + tx + F.reshape(tz, (tz.shape[0],))


def _add_prior_term(t, z):
    """``t + 0.5 ||z||^2`` (``-log p(z)`` up to a constant)."""
    return t + 0.5 * F.sum(z * z, axis=1)


def _linear(link, h, constant):
    # A constant read-out takes its weights as arrays.
    if constant:
        return F.linear(h, link.W.array, link.b.array)
    return link(h)
