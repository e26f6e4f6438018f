"""The job pool of the reproduction scripts."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from vae_avb.experiment import Job
from vae_avb.experiment import run_jobs
from vae_avb.experiment import UsageError


def python(code):
    return [sys.executable, '-c', textwrap.dedent(code)]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped) counts as gone.
    try:
        with open('/proc/{}/stat'.format(pid)) as f:
            return f.read().split(')')[-1].split()[0] != 'Z'
    except OSError:
        return False


def test_runs_every_job_and_appends_to_its_log(tmp_path):
    log = str(tmp_path / 'a.log')
    jobs = [Job('a', 'job a', python('print("hello a")'), log),
            Job('b', 'job b', python('print("hello b")'),
                str(tmp_path / 'b.log'))]
    seconds = run_jobs(jobs, 2)
    assert sorted(seconds) == ['a', 'b']
    run_jobs(jobs[:1], 1)
    with open(log) as f:
        text = f.read()
    # Appended, each run after a line naming its command.
    lines = text.splitlines()
    assert lines.count('hello a') == 2
    assert len([line for line in lines if line.startswith('# ')]) == 2


def test_first_failure_stops_the_pool_with_one_line(tmp_path):
    marker = str(tmp_path / 'slow_finished')
    slow = python('''
        import time
        time.sleep(30)
        open({!r}, 'w').close()
        '''.format(marker))
    fail = python('''
        import sys
        print('something went wrong')
        sys.exit(3)
        ''')
    began = time.time()
    with pytest.raises(UsageError) as e:
        run_jobs([Job('slow', 'slow job', slow, str(tmp_path / 's.log')),
                  Job('fail', 'failing job', fail, str(tmp_path / 'f.log')),
                  Job('never', 'never', python('pass'),
                      str(tmp_path / 'n.log'))], 2)
    message = str(e.value)
    assert '\n' not in message
    assert message.startswith('failing job failed (exit 3): something went '
                              'wrong; see ')
    # The slow job was killed, the third never started.
    assert time.time() - began < 20
    assert not os.path.exists(marker)
    assert not os.path.exists(str(tmp_path / 'n.log'))


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='children die with the pool through prctl')
def test_jobs_die_with_the_pool(tmp_path):
    pid_file = str(tmp_path / 'child.pid')
    child = str(tmp_path / 'child.py')
    with open(child, 'w') as f:
        f.write('import os, time\n'
                'open({!r}, "w").write(str(os.getpid()))\n'
                'time.sleep(60)\n'.format(pid_file))
    pool = subprocess.Popen(python('''
        import sys
        from vae_avb.experiment import Job, run_jobs
        run_jobs([Job('c', 'child', [sys.executable, {!r}], {!r})], 1)
        '''.format(child, str(tmp_path / 'c.log'))))
    deadline = time.time() + 60
    while not os.path.exists(pid_file) or not open(pid_file).read():
        assert time.time() < deadline and pool.poll() is None
        time.sleep(0.1)
    pid = int(open(pid_file).read())
    assert alive(pid)
    pool.send_signal(signal.SIGKILL)
    pool.wait()
    deadline = time.time() + 10
    while alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


@pytest.mark.parametrize('parallel', [0, -1, float('nan'), None, '2', 1.5])
def test_refuses_parallel_counts_that_are_not_counts(parallel):
    # NaN used to pass the check and then start nothing, forever.
    with pytest.raises(ValueError, match='run_jobs: parallel must be an '
                       'integer from 1'):
        run_jobs([], parallel)


@pytest.mark.parametrize('poll', [0, -1, float('nan'), None])
def test_refuses_a_poll_interval_that_is_not_a_duration(poll):
    with pytest.raises(ValueError, match=r'run_jobs: poll \(seconds\) must '
                       'be a finite number above 0'):
        run_jobs([], 1, poll=poll)


def test_a_job_that_cannot_start_is_one_line(tmp_path):
    with pytest.raises(UsageError, match='cannot start job x'):
        run_jobs([Job('x', 'job x', [str(tmp_path / 'no_such_program')],
                      str(tmp_path / 'x.log'))], 1)
    with pytest.raises(UsageError, match='cannot write the log'):
        run_jobs([Job('y', 'job y', python('pass'),
                      str(tmp_path / 'missing' / 'y.log'))], 1)
