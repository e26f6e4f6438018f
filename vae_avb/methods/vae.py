"""The VAE of Kingma & Welling 2013 as a method."""
import chainer
from chainer import training

from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss
from vae_avb.methods.method import Method
from vae_avb.methods.method import Model
from vae_avb.methods.method import no_graph
from vae_avb.methods.networks import MLPNetworks
from vae_avb.training import SkipNonFiniteUpdater


class VAEMethod(Method):

    """Gaussian encoder, Bernoulli decoder, the ELBO with the analytic KL
    (:class:`~vae_avb.losses.ELBOLoss`); AIS starts from the encoder's
    Gaussian."""

    key = 'vae'
    unused = ('dim_noise', 'n_basis', 'contrast', 'coefficient_offset',
              'prior_term', 'side_terms', 'adversary_lr',
              'adversary_steps') + MLPNetworks.ADVERSARY_FIELDS

    @property
    def title(self):
        return 'VAE ({}-dim)'.format(self.config.dim_z)

    def build_model(self):
        c = self.config
        decoder = c.networks.decoder(c.dim_z)
        encoder = c.networks.gaussian_encoder(c.dim_z)
        return Model(encoder, decoder, ELBOLoss(VAE(encoder, decoder)))

    def make_updater(self, model, optimizers, iterator, converter, device,
                     skip_nonfinite=False):
        updater_class = SkipNonFiniteUpdater if skip_nonfinite \
            else training.updaters.StandardUpdater
        return updater_class(iterator, optimizers['main'],
                             converter=converter, device=device)

    def ais_start(self, model, x, batch_size=500):
        xp = model.encoder.xp
        means, stds = [], []
        with no_graph():
            for i in range(0, len(x), batch_size):
                mean, ln_var = model.encoder(x[i:i + batch_size])
                means.append(mean.array)
                stds.append(xp.exp(0.5 * ln_var.array))
        return xp.concatenate(means), xp.concatenate(stds)

    def posterior_sample(self, model, x):
        with no_graph():
            return chainer.functions.gaussian(*model.encoder(x)).array
