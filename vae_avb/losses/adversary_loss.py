import numpy

import chainer

from vae_avb.functions import two_class_logistic_loss
from vae_avb.links import AdaptiveContrastEncoder
from vae_avb.links import Adversary
from vae_avb.links import NoiseEncoder
from vae_avb.losses.avb_loss import ADVERSARIES
from vae_avb.losses.checks import check_link
from vae_avb.losses.checks import check_noise
from vae_avb.utils import check_same_device
from vae_avb.utils.check import check_values
from vae_avb.utils.removed import FUSED_REMOVED
from vae_avb.utils.removed import refuse_removed


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

    The encoder's sample is computed without a graph (``encoder.sample``
    when it has one), and the x tower of an
    :class:`~vae_avb.links.Adversary` runs once on the ``B`` data rows
    shared by both kinds of pairs (``shared_x``); the loss is
    :func:`~vae_avb.functions.two_class_logistic_loss`.

    With ``adaptive_contrast`` (Section 4, Algorithm 2) the posterior
    pairs hold ``z_bar = (z - E[z|x]) / std[z|x]`` from an
    :class:`~vae_avb.links.AdaptiveContrastEncoder`
    (``normalized_sample``) and the adversary learns
    ``log q(z_bar|x) - log N(z_bar; 0, I)``.

    Reports ``loss`` and ``accuracy`` (share of pairs on the right side of
    0) through :func:`chainer.report`.

    Args:
        encoder (vae_avb.links.NoiseEncoder): ``z = f(x, eps)``.
        adversary (vae_avb.links.Adversary): ``T(x, z)``.
        adaptive_contrast (bool): Contrast the normalised posterior
            sample with ``N(0, I)``.
    """

    def __init__(self, encoder, adversary, fused=None,
                 adaptive_contrast=False):
        refuse_removed('AdversaryLoss', 'fused', fused,
                       FUSED_REMOVED + '; for adaptive contrast pass '
                       'adaptive_contrast=True by keyword (the third '
                       'positional argument is the removed fused=)')
        super(AdversaryLoss, self).__init__()
        if not isinstance(adaptive_contrast, (bool, numpy.bool_)):
            raise TypeError('AdversaryLoss: adaptive_contrast must be True '
                            'or False, got {!r}'.format(adaptive_contrast))
        call = 'encoder, adversary'
        check_link(encoder, 'encoder', 'AdversaryLoss',
                   (NoiseEncoder, AdaptiveContrastEncoder), ('forward',),
                   call)
        check_link(adversary, 'adversary', 'AdversaryLoss', ADVERSARIES,
                   ('forward',), call)
        if not adaptive_contrast and isinstance(encoder,
                                                AdaptiveContrastEncoder):
            raise ValueError(
                'AdversaryLoss: an AdaptiveContrastEncoder is contrasted '
                'through its normalized sample; pass adaptive_contrast=True')
        if adaptive_contrast and not hasattr(encoder,
                                             'normalized_sample'):
            raise ValueError(
                'AdversaryLoss: adaptive_contrast needs an encoder with '
                'normalized_sample (an AdaptiveContrastEncoder), got '
                '{}'.format(type(encoder).__name__))
        self.adaptive_contrast = bool(adaptive_contrast)
        with self.init_scope():
            self.adversary = adversary
        # Outside init_scope: used, not owned.
        self.encoder = encoder

    def forward(self, x, eps=None, z_prior=None):
        """Computes the loss on a batch ``x`` of shape ``(B, D)``.

        Args:
            x (array): Data in ``[0, 1]``.
            eps (array or None): Encoder noise (its shape is the
                encoder's).
            z_prior (array or None): Prior draws ``(B, n_latent)``; fresh
                ``N(0, I)`` draws when ``None``.

        Returns:
            chainer.Variable: The scalar loss.
        """
        check_same_device(self, self.encoder, 'encoder', 'AdversaryLoss')
        if getattr(x, 'shape', None) is None:
            raise TypeError(
                'AdversaryLoss: x must be an array (NumPy or CuPy) or a '
                'chainer.Variable, got {}; convert it with '
                'numpy.asarray(x, numpy.float32)'.format(type(x).__name__))
        # As the encoder-decoder losses: a Bernoulli likelihood's data.
        check_values(x, 'x', 'AdversaryLoss', unit_interval=True)
        batch_size = x.shape[0]
        x = chainer.as_array(x)
        xp = self.xp
        if self.adaptive_contrast:
            z_posterior = self.encoder.normalized_sample(x, eps)
        elif hasattr(self.encoder, 'sample'):
            z_posterior = self.encoder.sample(x, eps)
        else:
            with chainer.no_backprop_mode():
                z_posterior = self.encoder(x, eps).array
        if z_prior is None:
            z_prior = xp.random.standard_normal(
                z_posterior.shape).astype(z_posterior.dtype, copy=False)
        else:
            z_prior = check_noise(z_prior, z_posterior.shape,
                                  z_posterior.dtype, 'AdversaryLoss',
                                  'z_prior')
        z = xp.concatenate((z_posterior, z_prior))
        if isinstance(self.adversary, Adversary):
            logits = self.adversary(x, z, shared_x=True)
        else:
            logits = self.adversary(xp.concatenate((x, x)), z)
        loss = two_class_logistic_loss(logits, batch_size)
        # binary_accuracy's rule: a logit >= 0 says "posterior".
        t = chainer.as_array(logits)
        accuracy = chainer.Variable(xp.asarray(
            ((t[:batch_size] >= 0).sum() + (t[batch_size:] < 0).sum())
            / len(t), dtype=t.dtype))
        chainer.report({'loss': loss, 'accuracy': accuracy}, self)
        return loss
