from vae_avb.losses.adversary_loss import AdversaryLoss  # NOQA
from vae_avb.losses.avb_loss import AVBLoss  # NOQA
from vae_avb.losses.elbo_loss import ELBOLoss  # NOQA
from vae_avb.losses.adaptive_contrast_loss import AdaptiveContrastLoss  # NOQA
from vae_avb.losses.avg_elbo_loss import AvgELBOLoss  # NOQA
