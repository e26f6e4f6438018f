"""Paper-vs-ours tables: Markdown cells and rows, the paper's numbers
passed in as data."""
import numpy


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
