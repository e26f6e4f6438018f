"""Sizes checked against the machine's memory before anything is
allocated: a flag such as ``--dim-h 10000000`` is refused in one line
instead of ending in ``MemoryError`` (or the system's out-of-memory
killer) after the output folder was made."""
from vae_avb.utils.check import check_count
from vae_avb.utils.memory import available_memory

GIB = float(1 << 30)
FLOAT = 4  # Bytes of a float32.
# Each parameter has its array, its gradient and Adam's two moments.
PER_PARAMETER = 4 * FLOAT
# Each activation is kept for the backward pass and has a gradient; the
# fused and reference paths hold a few temporaries more.
PER_ACTIVATION = 4 * FLOAT


def mlp_parameters(n_in, n_hidden, n_layers, n_out):
    """Weights and biases of a dense stack ``n_in -> n_hidden`` (``n_layers``
    hidden layers) ``-> n_out``, computed without building a list (the
    sizes may be absurd: that is what is checked)."""
    return (n_in * n_hidden + n_hidden +
            (n_layers - 1) * (n_hidden * n_hidden + n_hidden) +
            n_hidden * n_out + n_out)


def evaluation_rows(width, budget=4 * GIB, most=50000):
    """How many rows of ``width`` activations an evaluation pass may hold
    within ``budget`` bytes: ``most`` for an MLP of Chainer's example's
    size, fewer for wide convolutional networks; at least 100."""
    width = check_count(width, 'width', 'evaluation_rows',
                        maximum=float('inf'))
    return int(max(100, min(most, budget // (width * PER_ACTIVATION))))


def check_memory(parser, parts, flags):
    """Exits with the parser's one-line error when ``parts`` (a dict of
    what needs memory -> bytes) exceed the memory available.

    Args:
        parser (argparse.ArgumentParser): Reports the error.
        parts (dict): ``{'the networks': bytes, 'a batch': bytes, ...}``.
        flags (str): The flags that set those sizes, for the message.
    """
    available = available_memory()
    total = sum(parts.values())
    if available is None or total <= available:
        return
    largest = max(parts, key=parts.get)
    parser.error('{} need about {:.1f} GiB of memory ({} {:.1f} GiB), more '
                 'than the {:.1f} GiB available; lower them'.format(
                     flags, total / GIB, largest, parts[largest] / GIB,
                     available / GIB))


def check_method_memory(parser, config, batch_size, eval_rows=0,
                        flags='--ais-batch-size x --ais-chains',
                        sizes='network flags, --batch-size'):
    """:func:`check_memory` for a :class:`~vae_avb.methods.MethodConfig`
    trained on batches of ``batch_size`` (0: not trained) and evaluated on
    ``eval_rows`` rows at a time (AIS chains, posterior samples) that
    ``flags`` set; ``sizes`` names the flags of the networks and the
    batch."""
    # The widest activations a row goes through: encoder (with noise),
    # decoder, and for AVB the adversary's two towers on both batches.
    widths = config.networks.activation_width(config)
    check_memory(parser, {
        'the networks': config.n_params() * PER_PARAMETER,
        'a training batch': batch_size * widths * PER_ACTIVATION,
        # AIS keeps the decoder's activations for each leapfrog gradient.
        'the evaluation': eval_rows * widths * PER_ACTIVATION},
        'the sizes ({}, {})'.format(sizes, flags))
