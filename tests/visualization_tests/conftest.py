import pytest

from tests.visualization_tests.helpers import Target


@pytest.fixture
def png(tmp_path):
    """``out/old.png``, an older figure alone in its folder."""
    return Target(tmp_path / 'out', 'old.png')


@pytest.fixture
def gif(tmp_path):
    """``out/old.gif``, an older animation alone in its folder."""
    return Target(tmp_path / 'out', 'old.gif')
