import chainer
import chainer.functions as F


class AdversaryLoss(chainer.Chain):

    """Adversary objective of Adversarial Variational Bayes.

    Mescheder et al. 2017, Eq. (3.3) and Algorithm 1, as a loss to
    minimise: the logistic loss of ``T`` with posterior pairs
    ``(x, z ~ q(z|x))`` labelled 1 and prior pairs ``(x, z ~ p(z))``
    labelled 0::

        loss = -E[log sigmoid(T(x, z_q))] - E[log(1 - sigmoid(T(x, z_p)))]

    Each expectation is a mean over the batch, so the loss is ``2 log 2``
    for a ``T`` that outputs 0. The encoder's sample is taken without its
    graph: this step trains the adversary only. Both kinds of pairs go
    through the adversary in one batch of ``2B`` rows.

    The chain owns the adversary and only uses the encoder (not a child
    link), so an optimizer set up on it updates the adversary alone.

    Reports ``loss`` and ``accuracy`` (share of pairs on the right side of
    0) through :func:`chainer.report`.

    Args:
        encoder (vae_avb.links.NoiseEncoder): ``z = f(x, eps)``.
        adversary (vae_avb.links.Adversary): ``T(x, z)``.
    """

    def __init__(self, encoder, adversary):
        super(AdversaryLoss, self).__init__()
        with self.init_scope():
            self.adversary = adversary
        # Outside init_scope: used, not owned.
        self.encoder = encoder

    def forward(self, x, eps=None, z_prior=None):
        """Computes the loss on a batch ``x`` of shape ``(B, D)``.

        Args:
            x (array): Data in ``[0, 1]``.
            eps (array or None): Encoder noise ``(B, n_noise)``.
            z_prior (array or None): Prior draws ``(B, n_latent)``; fresh
                ``N(0, I)`` draws when ``None``.

        Returns:
            chainer.Variable: The scalar loss.
        """
        batch_size = x.shape[0]
        with chainer.no_backprop_mode():
            z_posterior = self.encoder(x, eps).array
        if z_prior is None:
            z_prior = self.xp.random.standard_normal(
                z_posterior.shape).astype(z_posterior.dtype, copy=False)
        x = chainer.as_array(x)
        xp = self.xp
        logits = self.adversary(xp.concatenate((x, x)),
                                xp.concatenate((z_posterior, z_prior)))
        labels = xp.concatenate((xp.ones(batch_size, xp.int32),
                                 xp.zeros(batch_size, xp.int32)))
        # sigmoid_cross_entropy averages over 2B pairs; the objective is
        # the sum of the two per-kind means.
        loss = 2 * F.sigmoid_cross_entropy(logits, labels)
        chainer.report({'loss': loss,
                        'accuracy': F.binary_accuracy(logits, labels)}, self)
        return loss
