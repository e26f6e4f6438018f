from vae_avb.visualization.save_image_grid import save_image_grid  # NOQA
