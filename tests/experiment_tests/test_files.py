"""The safe readers of run folders: regular files, strict JSON, no
pickles, one line."""
import json
import os

import numpy
import pytest

from vae_avb.training import NonFiniteLossError

from vae_avb.experiment import read_array
from vae_avb.experiment import read_json
from vae_avb.experiment import read_metrics
from vae_avb.experiment import run_main
from vae_avb.experiment import UsageError
from vae_avb.experiment import write_json
from vae_avb.experiment import write_metrics


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return path


@pytest.mark.parametrize('text, message', [
    ('{"a": NaN}', 'NaN is not valid JSON'),
    ('{"a": Infinity}', 'Infinity is not valid JSON'),
    ('{"a": 1', 'not a readable JSON file'),
    ('[1, 2]', 'holds a list, not a JSON object'),
    ('', 'not a readable JSON file'),
    ('{"b": 1}', "has no 'a'"),
])
def test_read_json_refuses_bad_files_on_one_line(tmp_path, text, message):
    path = write(str(tmp_path / 'x.json'), text)
    with pytest.raises(UsageError, match=message) as e:
        read_json(path, 'fix it', keys=['a'])
    assert '\n' not in str(e.value) and str(e.value).endswith('fix it')


def test_read_json_refuses_binary_missing_and_special_files(tmp_path):
    path = str(tmp_path / 'x.json')
    with open(path, 'wb') as f:
        f.write(b'\xff\xfe\x00garbage')
    with pytest.raises(UsageError, match='not a readable JSON file'):
        read_json(path)
    with pytest.raises(UsageError, match='does not exist'):
        read_json(str(tmp_path / 'missing.json'))
    with pytest.raises(UsageError, match='not a regular file'):
        read_json(str(tmp_path))
    fifo = str(tmp_path / 'fifo.json')
    os.mkfifo(fifo)
    # A FIFO would block open() forever; it is refused before.
    with pytest.raises(UsageError, match='not a regular file'):
        read_json(fifo)


def test_write_json_is_strict(tmp_path):
    path = str(tmp_path / 'm.json')
    write_json(path, {'a': float('nan'), 'b': [1., float('inf')], 'c': 2.5})
    with open(path) as f:
        assert json.load(f) == {'a': None, 'b': [1., None], 'c': 2.5}
    assert read_json(path)['c'] == 2.5


def test_write_metrics_prints_and_reads_back(tmp_path, capsys):
    # A NaN result is written as null, then the writer raises: the
    # script exits non-zero instead of reporting success.
    with pytest.raises(NonFiniteLossError, match=r'^loss in metrics.json'):
        write_metrics({'test_elbo': -90.5, 'loss': float('nan'),
                       'ais': {'step': 0.1}}, str(tmp_path))
    assert 'test_elbo: -90.5' in capsys.readouterr().out
    assert read_metrics(str(tmp_path)) == {'test_elbo': -90.5, 'loss': None,
                                           'ais': {'step': 0.1}}
    with pytest.raises(UsageError, match='is not a folder'):
        read_metrics(str(tmp_path / 'metrics.json'))
    os.remove(str(tmp_path / 'metrics.json'))
    with pytest.raises(UsageError, match='is the run finished'):
        read_metrics(str(tmp_path))


def test_read_json_refuses_integers_no_float_holds(tmp_path):
    path = write(str(tmp_path / 'm.json'), '{"a": 1' + '0' * 400 + '}')
    with pytest.raises(UsageError, match='too large an integer'):
        read_json(path)
    assert read_json(write(path, '{"a": -123456789012345678}')) == {
        'a': -123456789012345678}


@pytest.mark.parametrize('arrays, message', [
    ({'z': numpy.zeros((4, 2)), 'labels': numpy.zeros(4)}, None),
    ({'z': numpy.zeros((4, 2))}, r"has no entry 'labels' \(it has 'z'\) "
     r'\(an .npz archive holding z, labels is expected\)'),
    ({'z': numpy.float32(1), 'labels': numpy.zeros(4)}, r'z is not a '
     r'non-empty finite 2-D array'),
    ({'z': numpy.full((4, 2), numpy.nan), 'labels': numpy.zeros(4)},
     r'z is not a non-empty finite'),
    ({'z': numpy.array([['a']]), 'labels': numpy.zeros(4)}, r'z is not'),
    ({'z': numpy.array([[{}]], dtype=object), 'labels': numpy.zeros(4)},
     r'holds pickled objects')])
def test_read_arrays(tmp_path, arrays, message):
    from vae_avb.experiment import read_arrays
    path = str(tmp_path / 'latent.npz')
    numpy.savez(path, **arrays)
    if message is None:
        assert read_arrays(path, {'z': 2, 'labels': 1})['z'].shape == (4, 2)
        return
    with pytest.raises(UsageError, match=message):
        read_arrays(path, {'z': 2, 'labels': 1})
    os.remove(path)
    os.mkfifo(path)
    with pytest.raises(UsageError, match='not a regular file'):
        read_arrays(path, {'z': 2, 'labels': 1})


def test_run_main_unencodable_text_is_one_line(capsys):
    def main(argv):
        '\udcff'.encode('utf-8')
    with pytest.raises(SystemExit) as info:
        run_main(main, [])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'UTF-8' in err[0], err


def test_write_metrics_finds_nested_nonfinite_values(tmp_path):
    with pytest.raises(NonFiniteLossError, match=r'^ais in metrics.json'):
        write_metrics({'elbo': -1.0, 'ais': {'log_px': [1.0, float('inf')]}},
                      str(tmp_path), quiet=True)
    assert read_metrics(str(tmp_path))['ais'] == {'log_px': [1.0, None]}
    write_metrics({'elbo': -1.0, 'n': 3, 'error': None, 'name': 'nan'},
                  str(tmp_path), quiet=True)


def test_read_array_never_unpickles(tmp_path):
    path = str(tmp_path / 'a.npy')
    numpy.save(path, numpy.array([{'x': 1}], dtype=object))
    with pytest.raises(UsageError, match='not a readable .npy array'):
        read_array(path)
    write(path, 'not an array')
    with pytest.raises(UsageError, match='not a readable .npy array'):
        read_array(path)
    numpy.save(path, numpy.arange(3.))
    numpy.testing.assert_array_equal(read_array(path), [0., 1., 2.])


def test_read_json_refuses_deep_nesting_and_overflow(tmp_path):
    deep = write(str(tmp_path / 'deep.json'), '[' * 100000)
    with pytest.raises(UsageError, match='nested too deeply|not a '
                       'readable'):
        read_json(deep)
    big = write(str(tmp_path / 'big.json'), '{"a": 1e400}')
    with pytest.raises(UsageError, match='overflows a float'):
        read_json(big)


def test_write_json_is_atomic(tmp_path, monkeypatch):
    path = str(tmp_path / 'm.json')
    write_json(path, {'a': 1})
    # A failure while writing leaves the old file whole and no temporary.
    monkeypatch.setattr(json, 'dumps', lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_json(path, {'a': 2})
    monkeypatch.undo()
    assert read_json(path) == {'a': 1}
    assert sorted(os.listdir(str(tmp_path))) == ['m.json']


def test_read_array_refuses_archives_and_strings(tmp_path):
    path = str(tmp_path / 'a.npy')
    with open(path, 'wb') as f:
        numpy.savez(f, x=numpy.arange(3.))
    with pytest.raises(UsageError, match='an .npz archive'):
        read_array(path)
    numpy.save(path, numpy.array(['a', 'b']))
    with pytest.raises(UsageError, match='not numbers'):
        read_array(path)


def test_write_atomic_fits_long_names_and_names_the_target(tmp_path):
    """The temporary name is cut to fit a valid long name (hostile review
    of 2026-12-06: Errno 36 for a name of 254 characters), and an error
    of the temporary file names the target, on one line."""
    from vae_avb.utils.atomic_write import NAME_MAX
    from vae_avb.utils.atomic_write import temporary_prefix
    from vae_avb.utils.atomic_write import write_atomic
    for length in (254, 255):
        path = str(tmp_path / ('b' * (length - 4) + '.npz'))
        write_atomic(path, lambda f: f.write(b'data'),
                     prefix='.{}.'.format(os.path.basename(path)))
        assert open(path, 'rb').read() == b'data'
    assert sorted(os.listdir(str(tmp_path))) == sorted(
        'b' * (n - 4) + '.npz' for n in (254, 255))
    long = '.' + 'c' * 300 + '.'
    cut = temporary_prefix(long)
    assert len(cut) + 8 + len('.tmp') <= NAME_MAX and cut.startswith('.ccc')
    assert cut != temporary_prefix(long[:-2] + 'd.')  # Each its own.
    assert temporary_prefix('.tmp_') == '.tmp_'  # Short: as it was.
    with pytest.raises(OSError) as info:
        write_atomic('/proc/p.npz', lambda f: f.write(b'x'))
    assert info.value.filename == '/proc/p.npz'
    assert '.tmp' not in str(info.value) and '\n' not in str(info.value)
    with pytest.raises(OSError) as info:
        write_atomic(str(tmp_path / ('e' * 300)), lambda f: f.write(b'x'))
    assert info.value.filename == str(tmp_path / ('e' * 300))
    assert not [n for n in os.listdir(str(tmp_path)) if n.endswith('.tmp')]


def test_write_atomic_refuses_a_nul_character_before_writing(tmp_path):
    # The writer used to run in full before os.replace refused the name.
    from vae_avb.utils.atomic_write import write_atomic
    ran = []
    with pytest.raises(ValueError, match='holds a NUL character'):
        write_atomic(str(tmp_path / 'a\0b'), lambda f: ran.append(1))
    assert ran == [] and os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('value, good', [
    (0, True), (-3.5, True), (10 ** 400, True), (1e308, True),
    (float('nan'), False), (float('inf'), False), (-float('inf'), False),
    (None, False), (True, False), (False, False), ('1.0', False),
    ([1.0], False), ({'a': 1}, False)])
def test_is_finite_number(value, good):
    from vae_avb.experiment import is_finite_number
    assert is_finite_number(value) is good


def test_check_numbers_names_the_entry_and_the_way_out(tmp_path):
    from vae_avb.experiment import check_numbers
    metrics = {'elbo': -1.5, 'seconds': 3, 'note': 'x'}
    # Keys it is not asked about, and missing keys, pass.
    assert check_numbers('run', metrics, ['elbo', 'seconds', 'absent'],
                         'fix it') is metrics
    for bad in (None, True, 'abc', float('nan'), [1.0]):
        with pytest.raises(UsageError, match=r"^run: 'elbo' is .*, but "
                           r'must be a finite number \(null: did the run '
                           r'diverge\?\); fix it$'):
            check_numbers('run', dict(metrics, elbo=bad), ['elbo'],
                          'fix it')
    # One written by write_metrics from a diverged run reads back null.
    write_json(str(tmp_path / 'metrics.json'), {'elbo': float('nan')})
    read = read_metrics(str(tmp_path), ['elbo'])
    with pytest.raises(UsageError, match="'elbo' is None"):
        check_numbers(str(tmp_path), read, ['elbo'], 'fix it')


def test_write_metrics_of_no_entries_writes_an_empty_object(tmp_path,
                                                            capsys):
    write_metrics({}, str(tmp_path))
    with open(str(tmp_path / 'metrics.json')) as f:
        assert json.load(f) == {}
    assert 'metrics.json written to' in capsys.readouterr().out
