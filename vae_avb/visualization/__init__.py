from vae_avb.visualization.plot_latent_samples import plot_latent_samples  # NOQA
from vae_avb.visualization.plot_manifold import plot_manifold  # NOQA
from vae_avb.visualization.save_gif import save_gif  # NOQA
from vae_avb.visualization.save_image_grid import save_image_grid  # NOQA
from vae_avb.visualization.tile_images import tile_images  # NOQA
from vae_avb.visualization.vae_figures import make_vae_figures  # NOQA
from vae_avb.visualization.vae_figures import vae_figure_names  # NOQA
