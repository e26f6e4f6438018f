"""vae_avb_compat: Chainer 7.8.1 imports and runs in the environment vae_avb
is installed in, NumPy 2 included, whether or not vae_avb is imported first
(through vae_avb_compat.pth, which Python's site module runs)."""
import subprocess
import sys
import textwrap

import numpy


def run(code, tmp_path):
    """Runs ``code`` in a new Python of this environment, outside the
    checkout (so nothing is imported from it by accident)."""
    result = subprocess.run(
        [sys.executable, '-W', 'error::UserWarning', '-c',
         textwrap.dedent(code)],
        cwd=str(tmp_path), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_start_up_imports_nothing(tmp_path):
    out = run('''
        import sys
        print('numpy' in sys.modules, 'chainer' in sys.modules)
    ''', tmp_path)
    assert out.split() == ['False', 'False']


def test_chainer_runs_without_vae_avb(tmp_path):
    out = run('''
        import sys
        import numpy
        import chainer
        import chainer.functions as F
        import chainer.testing  # imports pkg_resources
        assert 'vae_avb' not in sys.modules
        x = numpy.arange(4, dtype=numpy.float32).reshape(1, 1, 2, 2)
        y = F.resize_images(x, (3, 3))  # reads numpy.float
        numpy.testing.assert_array_equal(y.array[0, 0], [
            [0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]])
        near = F.resize_images(x, (4, 4), mode='nearest').array[0, 0]
        numpy.testing.assert_array_equal(near[::2, ::2], x[0, 0])
        s = F.as_strided(numpy.arange(6, dtype=numpy.float32), (2, 2),
                         (2, 1))  # reads numpy.sctypes
        numpy.testing.assert_array_equal(s.array, [[0, 1], [2, 3]])
        # NumPy itself keeps its removals: only Chainer's module sees float.
        print('float' in numpy.__dict__)
    ''', tmp_path)
    assert out.split() == ['False']


def test_vae_avb_first_then_chainer(tmp_path):
    out = run('''
        import vae_avb
        import chainer
        print(chainer.__version__)
    ''', tmp_path)
    assert out.split() == ['7.8.1']


def test_what_chainer_reads_of_numpy():
    # numpy.distutils.system_info: NumPy 1.26's own where it imports (with
    # setuptools < 74), else the stand-in; Chainer reads it on macOS only.
    system_info = sys.modules['numpy.distutils.system_info']
    assert isinstance(system_info.get_info('blas_opt'), dict)
    assert numpy.int64 in numpy.sctypes['int']
    assert numpy.float32 in numpy.sctypes['float']
