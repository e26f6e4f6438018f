"""Paper-vs-ours tables."""
import numpy
import pytest

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


def test_cells_refuse_what_is_no_finite_number():
    # Hostile review of 2026-12-06: 'nan +- 0.1', and raw format errors.
    for value, error in ((float('nan'), ValueError), (None, TypeError),
                         ('a', TypeError), (numpy.array([1.]), TypeError)):
        with pytest.raises(error, match='estimate_cell: value must be'):
            estimate_cell(value, 0.1)
    with pytest.raises(ValueError, match='error must be finite'):
        estimate_cell(1., float('inf'))
    with pytest.raises(ValueError, match='digits must be 0 or more'):
        estimate_cell(1., digits=-1)
    assert estimate_cell(numpy.float32(1.25), numpy.float64(0.1)) == \
        '1.2 +- 0.1'


def test_spread_refuses_no_numbers():
    with pytest.raises(ValueError, match='spread: values is empty'):
        spread([])
    for values in (None, 1.0, [[1., 2.]], 'ab'):
        with pytest.raises(TypeError, match='must be a list of numbers'):
            spread(values)


def test_markdown_escapes_pipes_and_refuses_rows_of_other_lengths():
    assert markdown_table(['a|b'], [['x|y']]).splitlines() == [
        '| a\\|b |', '| --- |', '| x\\|y |']
    assert markdown_table([1, 2], [('x', 'y')]).splitlines()[0] == \
        '| 1 | 2 |'
    with pytest.raises(ValueError, match='row 0 has 1 cells, the header 2'):
        markdown_table(['a', 'b'], [['1']])
    with pytest.raises(ValueError, match='header is empty'):
        markdown_table([], [])
    with pytest.raises(TypeError, match='header must be a list'):
        markdown_table('ab', [['1', '2']])


def test_paired_differences_of_lists():
    found = paired_differences({'a': [1., 2.], 'b': [0., 0.5]},
                               [('a', 'b')])
    assert found == [('a', 'b', 1.25, 0.25)]
    with pytest.raises(ValueError, match='each pair must be two keys'):
        paired_differences({'a': [1.]}, [('a',)])


def test_a_backslash_before_a_pipe_does_not_end_the_cell():
    # 'a\|b' escaped only its pipe: 'a\\|b', an escaped backslash and then
    # the end of the cell, so the row had one cell too many.
    line = markdown_table(['h'], [['a\\|b']]).splitlines()[2]
    assert line == '| a\\\\\\|b |'
    # Unescaped, it reads back as the cell's own text.
    inner = line[2:-2]
    assert inner.replace('\\\\', '\0').replace('\\|', '|').replace(
        '\0', '\\') == 'a\\|b'
    assert markdown_table(['h'], [['x\\y']]).splitlines()[2] == '| x\\y |'


@pytest.mark.parametrize('call', [
    lambda: estimate_cell(10 ** 400), lambda: estimate_cell(-1., 10 ** 400),
    lambda: spread([1., float('nan')]), lambda: spread([float('inf')]),
    lambda: spread([10 ** 400, 1])])
def test_numbers_beyond_a_float_or_not_finite_have_no_cell(call):
    with pytest.raises(ValueError, match=r'(finite|NaN or inf|beyond any '
                       r'float).*; a diverged result has no cell$'):
        call()
