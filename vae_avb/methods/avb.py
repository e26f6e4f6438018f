"""Adversarial Variational Bayes (Mescheder et al. 2017, Algorithm 1)."""
from vae_avb.losses import AdversaryLoss
from vae_avb.losses import AVBLoss
from vae_avb.methods.method import Method
from vae_avb.methods.method import Model
from vae_avb.methods.method import no_graph
from vae_avb.training import AVBUpdater


class AVBMethod(Method):

    """The noise-input encoder ``z = f(x, eps)``, the adversary ``T(x,
    z)`` and their alternating updates; the KL of the ELBO is the
    adversary's estimate; AIS starts from the prior (the authors'
    choice)."""

    key = 'avb'
    elbo_is_estimate = True
    unused = ('n_basis', 'contrast', 'coefficient_offset')
    report_keys = Method.report_keys + ('adversary/loss',
                                        'adversary/accuracy')
    ais_start_name = 'prior'

    @property
    def title(self):
        return 'AVB ({}-dim)'.format(self.config.dim_z)

    def build_encoder(self):
        c = self.config
        return c.networks.noise_encoder(c.dim_z, c.dim_noise)

    def build_model(self):
        c = self.config
        decoder = c.networks.decoder(c.dim_z)
        encoder = self.build_encoder()
        adversary = c.networks.adversary(c.dim_z, c.prior_term, c.side_terms)
        return Model(encoder, decoder, self.loss(encoder, decoder, adversary),
                     adversary, self.adversary_loss(encoder, adversary))

    def loss(self, encoder, decoder, adversary):
        return AVBLoss(encoder, decoder, adversary)

    def adversary_loss(self, encoder, adversary):
        return AdversaryLoss(encoder, adversary)

    def make_updater(self, model, optimizers, iterator, converter, device,
                     skip_nonfinite=False):
        return AVBUpdater(iterator, optimizers, self.config.adversary_steps,
                          converter=converter, device=device,
                          skip_nonfinite=skip_nonfinite)

    def ais_start(self, model, x, batch_size=500):
        return None

    def posterior_sample(self, model, x):
        with no_graph():
            return model.encoder(x).array
