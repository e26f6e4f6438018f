from vae_avb.initializers.xavier import Xavier  # NOQA
