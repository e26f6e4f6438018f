import chainer
from chainer import reporter as reporter_module

from vae_avb.evaluation.inputs import as_real_array
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_rows


def mean_report(loss, x, batch_size=100):
    """Runs a loss calculator over a dataset and averages what it reports.

    The loss is called on consecutive batches (a last batch of one
    example joins the one before), without backprop and with ``train``
    off; every value it passes to :func:`chainer.report` is
    averaged over examples (batches weighted by their size).

    Args:
        loss (chainer.Chain): A loss calculator such as
            :class:`vae_avb.losses.ELBOLoss`.
        x (array): Data ``(N, D)``, on the host or the loss's device.
        batch_size (int): Examples per call.

    Returns:
        dict: Reported name (``'loss'``, ``'reconstruction'``, ...) to
        float mean.
    """
    where = 'mean_report'
    if not isinstance(loss, chainer.Link):
        raise TypeError('{}: loss must be a loss calculator (a chainer.Link '
                        'that calls chainer.report, such as ELBOLoss(vae)), '
                        'got {}'.format(where, type(loss).__name__))
    batch_size = check_count(batch_size, 'batch_size', where)
    # A Variable's array; a list or tuple of examples as float32, as the
    # estimators take them; a dataset (anything sliced into arrays) as it
    # is.
    if isinstance(x, (chainer.Variable, list, tuple, str, bytes)) or \
            hasattr(x, 'dtype') or not (hasattr(x, '__len__') and
                                        hasattr(x, '__getitem__')):
        x = as_real_array(x, 'x', where)
    check_rows(x, 'x', where)
    reporter = chainer.Reporter()
    reporter.add_observer('main', loss)
    totals = {}
    starts = list(range(0, len(x), batch_size))
    if len(starts) > 1 and len(x) - starts[-1] == 1:
        # No batch of one example: a loss that estimates moments over the
        # batch (adaptive contrast) needs two; it joins the one before.
        starts.pop()
    for start, stop in zip(starts, starts[1:] + [len(x)]):
        batch = loss.device.send(x[start:stop])
        observation = {}
        with reporter, reporter_module.report_scope(observation), \
                chainer.no_backprop_mode(), \
                chainer.using_config('train', False):
            loss(batch)
        if not observation:
            raise ValueError(
                '{}: {} reported nothing (no chainer.report call); pass a '
                'loss calculator such as ELBOLoss(vae), not the model'.format(
                    where, type(loss).__name__))
        for key, value in observation.items():
            name = key[len('main/'):]
            totals[name] = totals.get(name, 0.) + float(
                chainer.as_array(value)) * len(batch)
    return {name: total / len(x) for name, total in totals.items()}
