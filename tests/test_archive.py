"""The one reader of ``.npz`` files (snapshots, AIS progress, latent codes,
``--data``, Chainer's MNIST cache): no pickles, bounded memory, one
phrase."""
import io
import os
import zipfile

import numpy
import pytest

from vae_avb.utils import archive
from vae_avb.utils.archive import ArchiveError
from vae_avb.utils.archive import read_npz


def npy_bytes(array):
    buffer = io.BytesIO()
    numpy.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def write_zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, 'w', compression) as z:
        for name, data in members:
            z.writestr(name, data)
    return str(path)


def refused(path, match, **kwargs):
    with pytest.raises(ArchiveError, match=match) as e:
        read_npz(str(path), **kwargs)
    assert '\n' not in str(e.value)
    assert e.value.problem == str(e.value)
    return e.value


def test_reads_every_entry_or_the_named_ones(tmp_path):
    path = str(tmp_path / 'a.npz')
    numpy.savez_compressed(path, a=numpy.arange(3.), b=numpy.eye(2),
                           s=numpy.array(['text']))
    arrays = read_npz(path)
    assert sorted(arrays) == ['a', 'b', 's']
    numpy.testing.assert_array_equal(arrays['b'], numpy.eye(2))
    assert sorted(read_npz(path, names=['a'])) == ['a']
    refused(path, r"has no entry 'c' \(it has 'a', 'b', 's'\)",
            names=['a', 'c'])
    refused(path, r"holds an entry 's.npy', which this file does not have",
            allowed={'a', 'b'})
    assert sorted(read_npz(path, allowed={'a', 'b', 's', 'z'})) == \
        ['a', 'b', 's']


@pytest.mark.parametrize('keyword', ['names', 'allowed'])
def test_a_string_is_no_list_of_names(tmp_path, keyword):
    # 'ab' was read as the names 'a' and 'b', and allowed='abc' let an
    # entry 'b' through as a substring.
    path = str(tmp_path / 'a.npz')
    numpy.savez(path, b=numpy.arange(3.))
    with pytest.raises(TypeError, match='read_npz: {} must be a list of '
                       'entry names or None'.format(keyword)):
        read_npz(path, **{keyword: 'abc'})
    assert sorted(read_npz(path, **{keyword: ('b',)})) == ['b']


def test_an_empty_archive_has_no_entries(tmp_path):
    path = str(tmp_path / 'e.npz')
    numpy.savez(path)
    assert read_npz(path) == {}
    refused(path, r"has no entry 'x' \(it has none\)", names=['x'])


def test_pickles_are_never_loaded(tmp_path):
    marker = tmp_path / 'pwned'

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), 'w'))

    path = write_zip(tmp_path / 'p.npz', [
        ('x.npy', npy_bytes(numpy.array([Payload()], dtype=object)))])
    refused(path, "holds pickled objects in 'x.npy', which are not loaded")
    assert not marker.exists()
    # A bare pickle or .npy under an .npz name is no archive at all.
    (tmp_path / 'bare.npz').write_bytes(b'\x80\x04garbage')
    refused(tmp_path / 'bare.npz', '^is not an .npz archive$')
    numpy.save(str(tmp_path / 'one.npy'), numpy.zeros(3))
    os.replace(str(tmp_path / 'one.npy'), str(tmp_path / 'one.npz'))
    refused(tmp_path / 'one.npz', '^is not an .npz archive$')


@pytest.mark.parametrize('data', [b'', b'PK', b'PK\x03\x04 torn',
                                  b'PK\x05\x06' + b'\0' * 18])
def test_empty_and_torn_files(tmp_path, data):
    path = tmp_path / 't.npz'
    path.write_bytes(data)
    if data.startswith(b'PK\x05\x06'):
        # An empty zip's end record alone is a valid, empty archive.
        assert read_npz(str(path)) == {}
    else:
        refused(path, r'is (not|damaged or not) an .npz archive')


def test_a_torn_entry_is_found_by_reading_it_to_its_end(tmp_path):
    path = str(tmp_path / 'a.npz')
    numpy.savez(path, a=numpy.arange(1000.))
    data = bytearray(open(path, 'rb').read())
    data[600] ^= 0xff  # Inside a's values: only the checksum sees it.
    open(path, 'wb').write(bytes(data))
    refused(path, r'is damaged or not an .npz archive \(BadZipFile: .*CRC')
    open(path, 'wb').write(bytes(data[:len(data) // 2]))
    refused(path, r'is damaged or not an .npz archive')


def test_a_member_that_is_not_an_array(tmp_path):
    path = write_zip(tmp_path / 'z.npz', [('notes.txt', b'hello')])
    refused(path, "holds an entry 'notes.txt' that is not an .npy array")
    path = write_zip(tmp_path / 'y.npz', [('notes.npy', b'hello')])
    refused(path, r'is damaged or not an .npz archive \(ValueError: .*magic')
    # A header declaring more values than the entry holds.
    header = npy_bytes(numpy.zeros(4))
    crafted = header.replace(b"(4,)", b"(9,)")
    path = write_zip(tmp_path / 'h.npz', [('x.npy', crafted)])
    refused(path, 'is damaged or not an .npz archive')


def test_a_decompression_bomb_is_refused_before_it_is_unpacked(
        tmp_path, monkeypatch):
    path = str(tmp_path / 'bomb.npz')
    numpy.savez_compressed(path, x=numpy.zeros(2 ** 20))  # 8 MiB of zeros.
    assert os.path.getsize(path) < 2 ** 16
    monkeypatch.setattr(archive, 'available_memory', lambda: 2 ** 23)
    refused(path, r'would unpack to 0.0 GiB, more than half the memory '
            r'available \(0.0 GiB\)')
    # Only the entries read count.
    numpy.savez_compressed(path, x=numpy.zeros(2 ** 20), y=numpy.ones(2))
    assert read_npz(path, names=['y'])['y'].tolist() == [1, 1]
    # Duplicate names add up.
    member = npy_bytes(numpy.zeros(2 ** 18))  # 2 MiB.
    with pytest.warns(UserWarning):  # zipfile: duplicate name.
        path = write_zip(tmp_path / 'dup.npz', [('x.npy', member)] * 3,
                         zipfile.ZIP_DEFLATED)
    monkeypatch.setattr(archive, 'available_memory', lambda: 2 ** 23)
    refused(path, 'would unpack to')
    monkeypatch.setattr(archive, 'available_memory', lambda: None)
    assert read_npz(path)['x'].shape == (2 ** 18,)


def test_an_entry_larger_than_declared_bounds_is_refused(tmp_path):
    path = str(tmp_path / 'a.npz')
    numpy.savez(path, a=numpy.zeros(100), b=numpy.zeros(2))
    refused(path, r"declares an entry 'a' of \d+ bytes, more than it can "
            r'hold',
            entry_bytes=512)
    assert sorted(read_npz(path, entry_bytes=1024)) == ['a', 'b']
    # By name: only the entries named are bounded.
    refused(path, "declares an entry 'b'", entry_bytes={'b': 8})
    assert sorted(read_npz(path, entry_bytes={'b': 512})) == ['a', 'b']
    assert list(read_npz(path, names=['b'], entry_bytes={'b': 512})) == ['b']


def test_files_that_cannot_be_opened_raise_oserror(tmp_path):
    with pytest.raises(OSError):
        read_npz(str(tmp_path / 'none.npz'))
    os.symlink(str(tmp_path / 'gone.npz'), str(tmp_path / 'dangling.npz'))
    with pytest.raises(OSError):
        read_npz(str(tmp_path / 'dangling.npz'))


def test_a_folder_or_a_fifo_is_refused_without_waiting(tmp_path):
    refused(tmp_path, '^is not a regular file$')
    fifo = str(tmp_path / 'fifo.npz')
    os.mkfifo(fifo)
    # No writer ever opens it: a blocking open would never return.
    refused(fifo, '^is not a regular file$')


def test_only_what_numpy_savez_writes_is_unpacked(tmp_path, monkeypatch):
    # bzip2 and LZMA unpack whole blocks before the declared size cuts
    # them: a member declaring 256 bytes could fill the memory.
    member = npy_bytes(numpy.zeros(16))
    for method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        path = write_zip(tmp_path / 'm{}.npz'.format(method),
                         [('x.npy', member)], method)
        refused(path, r"holds an entry 'x.npy' compressed with method {}, "
                r'not stored or deflated'.format(method))


@pytest.mark.parametrize('method', [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_damage_after_the_array_is_found(tmp_path, method):
    # numpy stops reading at the end of the array's values; bytes after
    # them still count in the entry's checksum.
    good = npy_bytes(numpy.arange(10.)) + b'\0' * 4096
    path = write_zip(tmp_path / 'a.npz', [('a.npy', good)], method)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo('a.npy')
    data = bytearray(open(path, 'rb').read())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    if method == zipfile.ZIP_STORED:
        data[start + len(good) - 1] ^= 0xff  # The last trailing byte.
    else:
        # Recompress a damaged copy under the good copy's checksum.
        import zlib
        bad = good[:-1] + b'\1'
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        stream = packer.compress(bad) + packer.flush()
        path = write_zip(tmp_path / 'a.npz', [('a.npy', good)],
                         zipfile.ZIP_STORED)
        with zipfile.ZipFile(path) as z:
            info = z.getinfo('a.npy')
        data = _with_member(path, info, stream, zipfile.ZIP_DEFLATED,
                            len(bad))
    open(path, 'wb').write(bytes(data))
    refused(path, r'is damaged or not an .npz archive \(BadZipFile: Bad '
            r"CRC-32 for file 'a.npy'\)")


def _with_member(path, info, stream, method, size):
    """The archive ``path`` of one member rewritten by hand: ``stream``
    under ``info``'s checksum, with ``method`` and ``size``."""
    import struct
    name = info.filename.encode()
    local = struct.pack('<4s5H3L2H', b'PK\x03\x04', 20, 0, method, 0, 0,
                        info.CRC, len(stream), size, len(name), 0)
    central = struct.pack('<4s6H3L5H2L', b'PK\x01\x02', 20, 20, 0, method,
                          0, 0, info.CRC, len(stream), size, len(name), 0,
                          0, 0, 0, 0, 0)
    end = struct.pack('<4s4H2LH', b'PK\x05\x06', 0, 0, 1, 1,
                      len(central) + len(name), len(local) + len(name) +
                      len(stream), 0)
    return bytearray(local + name + stream + central + name + end)


@pytest.mark.parametrize('name', ['x\nInjected line.npy', 'x\x1b[2J.npy'])
def test_names_never_break_the_line(tmp_path, name):
    path = write_zip(tmp_path / 'n.npz', [(name, b'hello')])
    problem = refused(path, 'is damaged or not').problem
    path = write_zip(tmp_path / 'n.npz', [(name, npy_bytes(numpy.zeros(200)))])
    for kwargs in (dict(names=['y']), dict(entry_bytes=100),
                   dict(allowed=['y'])):
        problem = refused(path, 'entry', **kwargs).problem
        assert '\x1b' not in problem
