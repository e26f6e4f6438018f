"""``--arch``: the network family of a script, MLP or convolutional."""
from vae_avb.links import VAE
from vae_avb.methods import ConvNetworks
from vae_avb.methods import MethodConfig

ARCHITECTURES = ('mlp', 'conv')


def add_arch_argument(parser, conv):
    """``--arch {mlp,conv}``; ``conv`` says what the conv networks are."""
    parser.add_argument('--arch', choices=ARCHITECTURES, default='mlp',
                        help='network family: mlp (the default) or conv '
                        '({})'.format(conv))


def resolve_mlp_flags(parser, args, defaults):
    """Gives the MLP flags (``defaults``: name -> value, for those
    ``args`` has) their defaults with ``--arch mlp``; with ``--arch conv``
    a given one is a usage error, and they stay ``None``."""
    for name, default in defaults.items():
        if getattr(args, name) is None:
            if args.arch == 'mlp':
                setattr(args, name, default)
        elif args.arch != 'mlp':
            parser.error('--{} sizes the MLP networks; it does not apply to '
                         '--arch {}'.format(name.replace('_', '-'), args.arch))


def build_vae(arch, dim_z, dim_h=None, n_layers=None, activation=None):
    """The VAE of ``train_vae.py``: with ``'mlp'`` Chainer's example's
    shape (:meth:`~vae_avb.links.VAE.mlp`), with ``'conv'`` the seeds'
    conv VAE (:meth:`~vae_avb.methods.ConvNetworks.seed_vae`)."""
    if arch == 'mlp':
        return VAE.mlp(784, dim_z, dim_h, n_layers, activation)
    networks = ConvNetworks.seed_vae()
    return VAE(networks.gaussian_encoder(dim_z), networks.decoder(dim_z))


def conv_vae_config(dim_z):
    """The :class:`~vae_avb.methods.MethodConfig` of the seeds' conv VAE,
    for its memory estimate."""
    return MethodConfig(method='vae', dim_z=dim_z,
                        networks=ConvNetworks.seed_vae())
