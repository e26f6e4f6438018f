"""prepare_out and script_main: a failed script removes the empty folders
it made for --out, and nothing else (not a folder that was there, not
one another process has locked, not one that holds a file)."""
import fcntl
import os

import pytest

from vae_avb.experiment import output
from vae_avb.experiment import prepare_out
from vae_avb.experiment import script_main
from vae_avb.experiment import UsageError


def failing(out, error=None, before=None):
    """A script whose main prepares ``out``, runs ``before`` and raises
    ``error`` (a refusal by default)."""
    @script_main
    def main():
        prepare_out(out)
        if before is not None:
            before()
        raise error if error is not None else UsageError('refused')
    return main


def lock_elsewhere(folder):
    """Locks ``folder`` through a descriptor of its own, as another
    process would (flock locks of two descriptions conflict even in one
    process); returns the descriptor."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def test_a_failed_script_removes_the_folders_it_made(tmp_path):
    out = tmp_path / 'a' / 'b' / 'out'
    with pytest.raises(UsageError):
        failing(str(out))()
    assert os.listdir(str(tmp_path)) == []
    assert output._CREATED == set() and output._LOCKS == {}


def test_what_was_there_or_holds_a_file_stays(tmp_path):
    (tmp_path / 'there').mkdir()
    with pytest.raises(UsageError):
        failing(str(tmp_path / 'there'))()
    assert (tmp_path / 'there').is_dir()
    out = tmp_path / 'new' / 'out'
    with pytest.raises(UsageError):
        failing(str(out), before=lambda: (out / 'log').write_text('x'))()
    assert (out / 'log').read_text() == 'x'
    # A parent that holds something else stays too.
    out = tmp_path / 'p' / 'run'
    with pytest.raises(UsageError):
        failing(str(out), before=lambda: (tmp_path / 'p' / 'other').mkdir())()
    assert sorted(os.listdir(str(tmp_path / 'p'))) == ['other']


def test_a_parent_another_run_has_locked_stays(tmp_path):
    # Run A made p/a (and p); run B took p as its --out before A failed:
    # p is B's, empty or not.
    parent = tmp_path / 'p'
    held = []
    try:
        with pytest.raises(UsageError):
            failing(str(parent / 'a'), before=lambda: held.append(
                lock_elsewhere(str(parent))))()
        assert parent.is_dir() and os.listdir(str(parent)) == []
    finally:
        for fd in held:
            os.close(fd)


def test_a_folder_another_run_locked_first_is_not_removed(
        tmp_path, monkeypatch):
    # A created --out; before A could lock it, B did: A is refused and
    # must leave B's folder alone (it removed it, 3 times in 40 races).
    out = str(tmp_path / 'run')
    make = output._make_folders
    held = []

    def make_then_lose_the_race(path, made):
        make(path, made)
        held.append(lock_elsewhere(path))
    monkeypatch.setattr(output, '_make_folders', make_then_lose_the_race)
    try:
        with pytest.raises(UsageError, match='in use by another running'):
            failing(out)()
        assert os.path.isdir(out)
    finally:
        for fd in held:
            os.close(fd)


@pytest.mark.parametrize('code, kept', [(0, True), (None, True), (2, False),
                                        ('error text', False)])
def test_exit_status_0_is_no_failure(tmp_path, code, kept):
    out = str(tmp_path / 'run')
    with pytest.raises(SystemExit):
        failing(out, SystemExit(code))()
    assert os.path.isdir(out) == kept


def test_interrupt_removes_what_it_made(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        failing(str(tmp_path / 'run'), KeyboardInterrupt())()
    assert os.listdir(str(tmp_path)) == []


def test_a_name_too_long_leaves_no_parent(tmp_path):
    out = tmp_path / 'p' / 'q' / ('x' * 300)
    with pytest.raises(UsageError, match='not writable'):
        prepare_out(str(out))
    assert os.listdir(str(tmp_path)) == []


def test_paths_through_links_remove_the_real_folder(tmp_path):
    (tmp_path / 't' / 'deep').mkdir(parents=True)
    (tmp_path / 'link').symlink_to(tmp_path / 't' / 'deep')
    cwd = os.getcwd()
    os.chdir(str(tmp_path))
    try:
        # link/../new is t/new to the system; ./new (made by someone
        # else meanwhile) is not ours.
        with pytest.raises(UsageError):
            failing(os.path.join('link', '..', 'new'),
                    before=lambda: os.mkdir('new'))()
    finally:
        os.chdir(cwd)
    assert (tmp_path / 'new').is_dir()
    assert os.listdir(str(tmp_path / 't')) == ['deep']


def test_a_dangling_link_is_refused_and_kept(tmp_path):
    link = tmp_path / 'dangling'
    link.symlink_to(tmp_path / 'nowhere')
    with pytest.raises(UsageError, match='not writable'):
        failing(str(link))()
    assert os.path.islink(str(link))
    assert not os.path.exists(str(tmp_path / 'nowhere'))


def test_a_script_that_succeeds_keeps_its_empty_folder(tmp_path):
    out = str(tmp_path / 'run')

    @script_main
    def main():
        prepare_out(out)
    main()
    assert os.path.isdir(out) and output._LOCKS == {}
    # and the next script may take it.
    with pytest.raises(UsageError, match='refused'):
        failing(out)()
    assert os.path.isdir(out)  # There before that script.


def test_nested_scripts_clean_up_their_own(tmp_path):
    outer, inner = str(tmp_path / 'outer'), str(tmp_path / 'inner')

    @script_main
    def main():
        prepare_out(outer)
        with pytest.raises(UsageError):
            failing(inner)()
        assert not os.path.exists(inner) and os.path.isdir(outer)
        return 'done'
    assert main() == 'done'
    assert os.path.isdir(outer)
