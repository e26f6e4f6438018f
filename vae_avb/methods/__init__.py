"""The papers' methods: one object per method, built from a configuration.

``make_method(MethodConfig(method='avb_ac', dim_z=8))`` gives the method;
its ``build()`` the networks and losses, ``make_optimizers`` and
``make_updater`` the training, ``ais_start``, ``posterior_sample``,
``title`` and ``save``/``load`` what evaluation needs.
"""
from vae_avb.methods.adaptive_contrast import AdaptiveContrastMethod  # NOQA
from vae_avb.methods.avb import AVBMethod  # NOQA
from vae_avb.methods.config import config_from_dict  # NOQA
from vae_avb.methods.config import config_from_train_avb_args  # NOQA
from vae_avb.methods.config import MethodConfig  # NOQA
from vae_avb.methods.method import Method  # NOQA
from vae_avb.methods.method import Model  # NOQA
from vae_avb.methods.method import no_graph  # NOQA
from vae_avb.methods.networks import ConvNetworks  # NOQA
from vae_avb.methods.networks import MLPNetworks  # NOQA
from vae_avb.methods.registry import make_method  # NOQA
from vae_avb.methods.registry import METHOD_CLASSES  # NOQA
from vae_avb.methods.vae import VAEMethod  # NOQA
