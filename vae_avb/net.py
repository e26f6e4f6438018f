"""vae_avb in place of Chainer's VAE example network.

Chainer 7's VAE example (``examples/vae``) builds its model in ``net.py``
and its script starts with ``import net``. Change that line to::

    from vae_avb import net

and nothing else: the script gets vae_avb's encoder, decoder, prior and
loss with the example's constructors, calls, reports (``loss``,
``reconstr``, ``kl_penalty``) and figures (``encoder(x).mean``,
``decoder(z, inference=True).mean``, ``prior().sample(n)``), computed by
vae_avb's fused functions. As in the example, the weights start from
Chainer's default initializer (``LeCunNormal``), not the Xavier of the
library's Links; pass ``initialW`` to choose.

Files the example wrote (``save_npz`` of its loss, or the trainer's
``snapshot_iter_*``) load with :func:`load_npz`, which converts its
separate mean and log-sigma layers into vae_avb's packed head.
"""
import numpy

import chainer
from chainer import initializers

from vae_avb.links.distribution_links import DistributionDecoder
from vae_avb.links.distribution_links import DistributionEncoder
from vae_avb.links.prior import Prior
from vae_avb.losses.avg_elbo_loss import AvgELBOLoss
from vae_avb.training.snapshots import _CheckedDeserializer
from vae_avb.training.snapshots import CorruptSnapshotError
from vae_avb.training.snapshots import load_whole
from vae_avb.training.snapshots import read_snapshot
from vae_avb.training.snapshots import SnapshotError
from vae_avb.utils.check import one_line

__all__ = ['AvgELBOLoss', 'Prior', 'load_npz', 'make_decoder',
           'make_encoder', 'make_prior']


def make_encoder(n_in, n_latent, n_h, initialW=None):
    """``q(z|x)``: ``n_in -> n_h`` (tanh) ``-> (mu, log sigma)``, as the
    example's encoder; a :class:`~vae_avb.links.DistributionEncoder`.

    ``initialW=None`` is Chainer's ``LeCunNormal()``, the example's.
    """
    return DistributionEncoder(
        n_in, n_latent, n_h, 1, 'tanh',
        initialW=initializers.LeCunNormal() if initialW is None else initialW)


def make_decoder(n_in, n_latent, n_h, binary_check=False, initialW=None):
    """``p(x|z)``: ``n_latent -> n_h`` (tanh) ``-> n_in`` logits, as the
    example's decoder (its argument order); a
    :class:`~vae_avb.links.DistributionDecoder`.

    ``initialW=None`` is Chainer's ``LeCunNormal()``, the example's.
    """
    return DistributionDecoder(
        n_latent, n_in, n_h, 1, 'tanh',
        initialW=initializers.LeCunNormal() if initialW is None else initialW,
        binary_check=binary_check)


def make_prior(n_latent):
    """``p(z) = N(0, I)``; a :class:`~vae_avb.links.Prior`."""
    return Prior(n_latent)


# Chainer's example (its net.py) -> vae_avb: the encoder's and the
# decoder's layers renamed, the two encoder heads packed into one (rows:
# mean, then log variance = 2 log sigma).
_ENCODER_RENAMED = (('linear/', 'body/0/'),)
_DECODER_RENAMED = (('linear/', 'mlp/0/'), ('output/', 'mlp/1/'))


def _prefixes(arrays, mark):
    """The paths under which ``arrays`` hold ``mark`` (at the top or after
    a ``/``)."""
    return sorted({key[:-len(mark)] for key in arrays
                   if key == mark or key.endswith('/' + mark)})


def _rename(converted, prefix, renamed):
    for old, new in renamed:
        for key in list(converted):
            if key.startswith(prefix + old):
                converted[prefix + new + key[len(prefix + old):]] = \
                    converted.pop(key)


def from_chainer_example(arrays):
    """Arrays of a file written by Chainer's VAE example, renamed (and the
    two encoder heads packed) for vae_avb's networks; entries of other
    layouts are kept as they are.

    An encoder is recognised by its ``ln_sigma/W`` entry, a decoder by its
    ``linear/W`` and ``output/W`` entries, under any path: the example's
    loss (``encoder/``, ``decoder/``), its trainer snapshot
    (``updater/model:main/encoder/``) or a network saved alone.

    Args:
        arrays (dict): Path -> array, as :func:`read_snapshot` returns.

    Returns:
        dict: The converted entries.

    Raises:
        CorruptSnapshotError: A mean head lacks its log-sigma head, or the
            two are not float arrays of one shape.
    """
    converted = dict(arrays)
    for prefix in _prefixes(arrays, 'ln_sigma/W'):
        for name in ('W', 'b'):
            mu = converted.pop(prefix + 'mu/' + name, None)
            ln_sigma = converted.pop(prefix + 'ln_sigma/' + name, None)
            if mu is None or ln_sigma is None:
                raise CorruptSnapshotError(
                    'entry {0}mu/{1} or {0}ln_sigma/{1} is missing or lacks '
                    'its pair'.format(prefix, name))
            if mu.dtype.kind != 'f' or ln_sigma.dtype.kind != 'f' or \
                    mu.shape != ln_sigma.shape or \
                    mu.ndim != (2 if name == 'W' else 1):
                raise CorruptSnapshotError(
                    'entries {0}mu/{1} ({2} {3}) and {0}ln_sigma/{1} ({4} '
                    '{5}) are not two float arrays of one shape'.format(
                        prefix, name, mu.dtype, mu.shape, ln_sigma.dtype,
                        ln_sigma.shape))
            with numpy.errstate(over='ignore'):
                converted[prefix + 'head/' + name] = \
                    numpy.concatenate([mu, 2 * ln_sigma], axis=0)
        _rename(converted, prefix, _ENCODER_RENAMED)
    for prefix in _prefixes(arrays, 'output/W'):
        if prefix + 'linear/W' in arrays and \
                prefix + 'ln_sigma/W' not in arrays:
            _rename(converted, prefix, _DECODER_RENAMED)
    return converted


def _mismatch(path, obj, key, there, here):
    """The one-line error of an entry whose shape is not ``obj``'s."""
    return SnapshotError(
        'load_npz: {} does not match this {}: {} has shape {} there, {} '
        'here; build it with the sizes of the run that wrote the '
        'file'.format(path, type(obj).__name__, key, tuple(there),
                      tuple(here)))


def load_npz(path, obj):
    """Loads weights into ``obj`` from a file of Chainer's VAE example or of
    vae_avb, without unpickling.

    ``obj`` is any vae_avb network or loss (``AvgELBOLoss``, an encoder, a
    decoder, a :class:`~vae_avb.links.VAE`). The file may be a
    ``save_npz`` of Chainer's example loss or of a vae_avb link, or a
    trainer snapshot (entries under ``updater/model:main/``): its layout is
    converted (:func:`from_chainer_example`) and the entries for ``obj`` are
    found under whichever prefix holds all of them (``vae/`` of an
    ``ELBOLoss`` file for a ``VAE``, ``encoder/`` for an encoder). A prior
    missing from the file keeps its values.

    Raises:
        SnapshotError: The file is missing or holds no set of entries that
            matches ``obj`` (other sizes or another model).
        CorruptSnapshotError: The file is torn or not an ``.npz`` file.
    """
    if not isinstance(obj, chainer.Link):
        raise TypeError('load_npz: obj must be a chainer.Link (a vae_avb '
                        'network or loss), got {}'.format(type(obj).__name__))
    arrays = from_chainer_example(read_snapshot(
        path, fix='pass a model.npz or snapshot that a run of Chainer\'s VAE '
        'example or of vae_avb wrote'))
    shapes = {name.lstrip('/'): param.shape
              for name, param in obj.namedparams()}
    if not shapes:  # A Prior: its persistent values are what it holds.
        shapes = {(link_path.strip('/') + '/' + name).lstrip('/'):
                  numpy.shape(getattr(link, name))
                  for link_path, link in obj.namedlinks()
                  for name in link._persistent}
    if not shapes:
        raise SnapshotError('load_npz: {} has nothing to load'.format(
            type(obj).__name__))
    first = min(shapes)
    prefixes = {key[:-len(first)] for key in arrays if key == first
                or key.endswith('/' + first)}
    present = sorted((p for p in prefixes
                      if all(p + n in arrays for n in shapes)), key=len)
    if not present:
        raise SnapshotError(
            'load_npz: {} holds no weights for this {} (looked for {} '
            'entries such as {}); load the file into the network that '
            'wrote it'.format(path, type(obj).__name__, len(shapes), first))
    # Shapes are compared before anything is loaded, so a file of other
    # sizes leaves obj as it was.
    matching = [p for p in present if all(
        tuple(arrays[p + n].shape) == tuple(shape)
        for n, shape in shapes.items())]
    if not matching:
        p = present[0]
        name = next(n for n in sorted(shapes)
                    if tuple(arrays[p + n].shape) != tuple(shapes[n]))
        raise _mismatch(path, obj, p + name, arrays[p + name].shape,
                        shapes[name])
    prefix = matching[0]
    # Everything is checked before anything is loaded: a refused file
    # leaves obj as it was.
    for link_path, link in obj.namedlinks():
        for name in link._persistent:
            key = prefix + (link_path.strip('/') + '/' + name).lstrip('/')
            value = getattr(link, name)
            if key not in arrays:
                arrays[key] = numpy.asarray(
                    chainer.backend.CpuDevice().send(value))
            elif hasattr(value, 'shape') and \
                    tuple(arrays[key].shape) != tuple(value.shape):
                raise _mismatch(path, obj, key, arrays[key].shape,
                                value.shape)
            if isinstance(link, Prior) and name == 'scale' and \
                    arrays[key].dtype.kind in 'biuf' and \
                    not (arrays[key] > 0).all():
                raise CorruptSnapshotError(
                    'load_npz: {} is corrupt ({} holds a scale that is not '
                    'above 0)'.format(path, key))
    for name in shapes:
        array = arrays[prefix + name]
        if array.dtype.kind == 'f' and not numpy.isfinite(array).all():
            raise CorruptSnapshotError(
                'load_npz: {} is corrupt ({}{} holds NaN or inf, or the '
                'log-sigma of an example file overflows when doubled)'.format(
                    path, prefix, name))
    try:
        load_whole(_CheckedDeserializer(arrays, path=prefix), obj)
    except CorruptSnapshotError as e:
        raise CorruptSnapshotError('load_npz: {} is corrupt ({})'.format(
            path, one_line(e)))
    except (KeyError, ValueError, TypeError) as e:
        raise SnapshotError(
            'load_npz: {} does not match this {} ({}); build it with the '
            'sizes of the run that wrote the file'.format(
                path, type(obj).__name__, one_line(e)))
