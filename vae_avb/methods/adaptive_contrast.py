"""AVB with adaptive contrast (Mescheder et al. 2017, Section 4,
Algorithm 2)."""
from vae_avb.functions import contrast_gaussian
from vae_avb.losses import AdaptiveContrastLoss
from vae_avb.losses import AdversaryLoss
from vae_avb.methods.avb import AVBMethod
from vae_avb.methods.method import no_graph


class AdaptiveContrastMethod(AVBMethod):

    """The adaptive-contrast encoder ``z = z0(x) + sum_i a_i(x) v_i``, the
    adversary contrasting ``q(z|x)`` with the Gaussian ``r(z|x)`` of its
    moments (diagonal, as the paper, or full covariance), and AIS started
    from that Gaussian (the authors' choice)."""

    key = 'avb_ac'
    unused = ()
    ais_start_name = 'encoder Gaussian'

    @property
    def title(self):
        return 'AVB + AC{} ({}-dim)'.format(
            ' full' if self.config.contrast == 'full' else '',
            self.config.dim_z)

    def build_encoder(self):
        c = self.config
        return c.networks.contrast_encoder(c.dim_z, c.dim_noise, c.n_basis,
                                           c.coefficient_offset, c.contrast)

    def loss(self, encoder, decoder, adversary):
        return AdaptiveContrastLoss(encoder, decoder, adversary)

    def adversary_loss(self, encoder, adversary):
        return AdversaryLoss(encoder, adversary, adaptive_contrast=True)

    def ais_start(self, model, x, batch_size=500):
        # The diagonal r(z|x) (the marginal stds for a full contrast too):
        # AIS starts from a diagonal Gaussian.
        encoder = model.encoder
        means, stds = [], []
        moments = encoder.noise_moments()
        with no_graph():
            for i in range(0, len(x), batch_size):
                r = contrast_gaussian(*encoder.posterior(
                    x[i:i + batch_size], moments=moments,
                    contrast='diagonal')[1:])
                means.append(r.mean)
                stds.append(r.scale)
        return encoder.xp.concatenate(means), encoder.xp.concatenate(stds)

    def posterior_sample(self, model, x):
        encoder = model.encoder
        with no_graph():
            return encoder(x, moments=encoder.noise_moments())[0].array
