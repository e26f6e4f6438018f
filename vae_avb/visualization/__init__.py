from vae_avb.visualization.plot_latent_samples import plot_latent_samples  # NOQA
from vae_avb.visualization.save_image_grid import save_image_grid  # NOQA
