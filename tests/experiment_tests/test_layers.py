"""The house: no import runs back up, utils/ is the ground, and the
scripts share no block of code."""
import ast
import glob
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PACKAGE = os.path.join(ROOT, 'vae_avb')
# Each sub-package's floor; a module imports only from its floor or
# below.
FLOORS = {
    'utils': 0,
    'initializers': 1, 'functions': 1, 'datasets': 1, 'optimizers': 1,
    'training': 1, 'visualization': 1,
    'links': 2,
    'losses': 3, 'evaluation': 3,
    'methods': 4,
    'experiment': 5,
}


def module_name(path):
    parts = os.path.relpath(path, ROOT)[:-len('.py')].split(os.sep)
    return parts[:-1] if parts[-1] == '__init__' else parts


def imports_of(path):
    """The vae_avb modules ``path`` imports, relative imports resolved;
    ``importlib.import_module`` and ``__import__`` (which a static check
    cannot follow) are refused."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    package = module_name(path)
    if not path.endswith('__init__.py'):
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                assert base, '{}: relative import above vae_avb'.format(path)
                names = [node.module] if node.module else \
                    [alias.name for alias in node.names]
                for name in names:
                    yield '.'.join(base + name.split('.'))
            elif node.module:
                yield node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) \
                else getattr(node.func, 'id', None)
            assert called not in ('import_module', '__import__'), (
                '{}: a dynamic import hides its layer; import by name'
                .format(os.path.relpath(path, ROOT)))


def package_of(path):
    parts = os.path.relpath(path, PACKAGE).split(os.sep)
    return parts[0] if len(parts) > 1 else None


LIBRARY_FILES = sorted(
    p for p in glob.glob(os.path.join(PACKAGE, '**', '*.py'), recursive=True)
    if package_of(p) is not None)


def test_every_package_has_a_floor():
    found = {name for name in os.listdir(PACKAGE)
             if os.path.isfile(os.path.join(PACKAGE, name, '__init__.py'))}
    assert found == set(FLOORS)


def test_the_package_face_imports_only_the_library():
    # vae_avb/__init__.py is above every floor, but it imports neither
    # the methods nor the scripts' harness: `import vae_avb` stays light.
    for module in imports_of(os.path.join(PACKAGE, '__init__.py')):
        assert module.split('.')[:2] not in (
            ['vae_avb', 'methods'], ['vae_avb', 'experiment'])


@pytest.mark.parametrize('path', LIBRARY_FILES,
                         ids=lambda p: os.path.relpath(p, PACKAGE))
def test_no_import_runs_up_the_house(path):
    here = package_of(path)
    for module in imports_of(path):
        parts = module.split('.')
        if parts[0] != 'vae_avb':
            continue
        assert len(parts) > 1, '{} imports the whole package'.format(path)
        there = parts[1]
        assert FLOORS[there] <= FLOORS[here], (
            '{} ({}, floor {}) imports {} (floor {})'.format(
                os.path.relpath(path, ROOT), here, FLOORS[here], module,
                FLOORS[there]))
        if FLOORS[there] == FLOORS[here]:
            assert there == here, (
                '{} imports {}: packages of one floor do not import each '
                'other'.format(os.path.relpath(path, ROOT), module))


def test_the_check_sees_relative_nested_and_dynamic_imports(tmp_path):
    # The check itself, on crafted files: each upward import is found.
    nested = tmp_path / 'vae_avb' / 'functions' / 'fused'
    nested.mkdir(parents=True)
    cases = {
        nested / '__init__.py': 'from vae_avb.experiment import errors\n',
        nested / 'relative.py': 'from ...experiment import errors\n',
        tmp_path / 'vae_avb' / 'utils' / 'check.py':
            'from ..methods import config\n',
    }
    global ROOT, PACKAGE
    saved = ROOT, PACKAGE
    ROOT, PACKAGE = str(tmp_path), str(tmp_path / 'vae_avb')
    try:
        (tmp_path / 'vae_avb' / 'utils').mkdir(exist_ok=True)
        for path, text in cases.items():
            path.write_text(text)
            with pytest.raises(AssertionError, match='imports vae_avb'):
                test_no_import_runs_up_the_house(str(path))
        dynamic = tmp_path / 'vae_avb' / 'links' / 'mlp.py'
        dynamic.parent.mkdir()
        dynamic.write_text('import importlib\n'
                           'importlib.import_module("vae_avb.experiment")\n')
        with pytest.raises(AssertionError, match='dynamic import'):
            list(imports_of(str(dynamic)))
    finally:
        ROOT, PACKAGE = saved


def test_utils_imports_nothing_of_vae_avb():
    for path in glob.glob(os.path.join(PACKAGE, 'utils', '**', '*.py'),
                          recursive=True):
        assert not [m for m in imports_of(path)
                    if m.split('.')[0] == 'vae_avb'
                    and m.split('.')[1] != 'utils'], path


def normalized_lines(path):
    with open(path) as f:
        lines = [line.strip() for line in f]
    return [line for line in lines if line and not line.startswith(
        ('#', 'import ', 'from ', '"""', "'''", ')', ']', '}'))]


def test_no_six_lines_are_shared_by_two_scripts():
    scripts = sorted(glob.glob(os.path.join(ROOT, 'examples', '*', '*.py')))
    windows = {}
    for path in scripts:
        lines = normalized_lines(path)
        for i in range(len(lines) - 5):
            block = tuple(lines[i:i + 6])
            windows.setdefault(block, set()).add(os.path.relpath(path, ROOT))
    shared = {b: p for b, p in windows.items() if len(p) > 1}
    assert not shared, 'move shared code into vae_avb.experiment: {}'.format(
        next(iter(shared.items())))


def test_old_harness_names_fail_with_their_new_place():
    import vae_avb.utils.cli as cli
    with pytest.raises(ImportError, match='use vae_avb.experiment.resume'):
        cli.resume
    with pytest.raises(ImportError, match='from vae_avb.experiment import '
                       'UsageError'):
        from vae_avb.utils.cli import UsageError  # NOQA
    with pytest.raises(AttributeError):
        cli.no_such_name
    # Activations moved to functions/ (2026-12-07), beside their ELU node.
    with pytest.raises(ImportError, match=r'use vae_avb.functions.'
                       r'get_activation \(from vae_avb.functions import '
                       r'get_activation\)'):
        from vae_avb.utils import get_activation  # NOQA
    with pytest.raises(ImportError, match='use vae_avb.functions.ACTIVATIONS'):
        from vae_avb.utils.activation import ACTIVATIONS  # NOQA
    import vae_avb.utils
    with pytest.raises(AttributeError):
        vae_avb.utils.no_such_name
