"""Paper-vs-ours tables."""
import numpy

from vae_avb.experiment import estimate_cell
from vae_avb.experiment import markdown_table
from vae_avb.experiment import paired_differences
from vae_avb.experiment import spread


def test_paired_differences_against_the_textbook_formula():
    rng = numpy.random.RandomState(0)
    log_px = {'a': rng.normal(size=50), 'b': rng.normal(size=50),
              'short': rng.normal(size=3), 'one': rng.normal(size=1),
              'one_too': rng.normal(size=1)}
    found = paired_differences(log_px, [('a', 'b'), ('a', 'short'),
                                        ('a', 'missing'),
                                        ('one', 'one_too')])
    d = log_px['a'] - log_px['b']
    assert [(a, b) for a, b, _, _ in found] == [('a', 'b')]
    _, _, mean, error = found[0]
    assert mean == numpy.mean(d)
    numpy.testing.assert_allclose(error, d.std(ddof=1) / numpy.sqrt(50))


def test_cells_and_tables():
    assert estimate_cell(-83.6, 0.4, approximate=True) == '~-83.6 +- 0.4'
    assert estimate_cell(1.5, 0.25, digits=2, signed=True) == '+1.50 +- 0.25'
    assert spread([1., 2., 3.]) == '2.0 (1.0 to 3.0)'
    assert spread([4.]) == '4.0'
    assert markdown_table(['a', 'b'], [[1, 'x']]).splitlines() == [
        '| a | b |', '| --- | --- |', '| 1 | x |']
