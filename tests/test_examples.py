"""Smoke test of every example script, run with --test."""
import glob
import importlib.util
import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Every example script with the metrics its --test run must write.
EXAMPLES = {
    'examples/mnist/train_vae.py': ['test_elbo', 'test_log_likelihood'],
}


def load_example(path):
    spec = importlib.util.spec_from_file_location(
        os.path.basename(path)[:-3], os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_is_listed():
    found = {os.path.relpath(p, ROOT) for p in glob.glob(
        os.path.join(ROOT, 'examples', '**', '*.py'), recursive=True)
        if os.path.basename(p).startswith(('train', 'plot', 'reproduce'))}
    assert found == set(EXAMPLES), 'add new examples to EXAMPLES'


@pytest.mark.parametrize('path', sorted(EXAMPLES))
def test_example_runs_with_test_flag(path, tmp_path):
    out = str(tmp_path / 'out')
    metrics = load_example(path).main(['--test', '--out', out])
    with open(os.path.join(out, 'metrics.json')) as f:
        written = json.load(f)
    assert written == metrics
    for key in EXAMPLES[path]:
        assert metrics[key] < 0  # log-likelihoods and ELBOs, in nats
