from vae_avb.evaluation.aggregate_posterior_kl import aggregate_posterior_kl  # NOQA
from vae_avb.evaluation.importance_weighted_log_likelihood import importance_weighted_log_likelihood  # NOQA
from vae_avb.evaluation.mean_report import mean_report  # NOQA
from vae_avb.evaluation.quadrature_log_likelihood import latent_grid  # NOQA
from vae_avb.evaluation.quadrature_log_likelihood import quadrature_log_likelihood  # NOQA
from vae_avb.evaluation.ais import ais_log_likelihood  # NOQA
from vae_avb.evaluation.mean_and_standard_error import mean_and_standard_error  # NOQA
from vae_avb.evaluation.ais_checkpoint import AISCheckpointError  # NOQA
