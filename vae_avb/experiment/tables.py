"""Paper-vs-ours tables: Markdown cells and rows, the paper's numbers
passed in as data."""
import numpy

from vae_avb.evaluation import mean_and_standard_error


def markdown_table(header, rows):
    """A Markdown table: ``header`` and ``rows`` are lists of cells."""
    lines = ['| ' + ' | '.join(header) + ' |',
             '| ' + ' | '.join('---' for _ in header) + ' |']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def estimate_cell(value, error=None, digits=1, approximate=False,
                  signed=False):
    """``~-83.6 +- 0.4``: a number, its +- (if any), ``~`` for an
    estimate."""
    fmt = '{:+.%df}' % digits if signed else '{:.%df}' % digits
    text = ('~' if approximate else '') + fmt.format(value)
    if error is not None:
        text += (' +- {:.%df}' % digits).format(error)
    return text


def spread(values, fmt='{:.1f}'):
    """``mean (min to max)`` of a list of numbers; one number alone."""
    values = numpy.asarray(values, dtype=float)
    if len(values) == 1:
        return fmt.format(values[0])
    return '{} ({} to {})'.format(fmt.format(values.mean()),
                                  fmt.format(values.min()),
                                  fmt.format(values.max()))


def paired_differences(log_px, pairs):
    """``(a, b, mean, error)`` for each pair ``(a, b)`` of keys of
    ``log_px`` (per-image estimates on the same images, same length):
    the mean of ``log_px[a] - log_px[b]`` and its standard error. Pairs
    missing a key, of other lengths or of one image are left out."""
    found = []
    for a, b in pairs:
        if a in log_px and b in log_px and len(log_px[a]) == len(log_px[b]):
            mean, error = mean_and_standard_error(log_px[a] - log_px[b])
            if error is not None:
                found.append((a, b, mean, error))
    return found
