"""The README's usage example runs and learns."""
import os
import re

import numpy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_usage_block_runs(tmp_path, monkeypatch):
    with open(os.path.join(ROOT, 'README.md')) as f:
        blocks = re.findall(r'```python\n(.*?)```', f.read(), re.S)
    assert len(blocks) == 1
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(blocks[0], 'README.md', 'exec'), namespace)
    log = namespace['trainer'].get_extension('LogReport').log
    assert log[-1]['main/loss'] < log[0]['main/loss']
    assert namespace['z'].shape == (4, 2)
    assert numpy.isfinite(namespace['z'].array).all()
