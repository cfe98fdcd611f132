import pytest

from tests.factories import build_world


@pytest.fixture(params=["dk", "no"])
def profile(request):
    return request.param


@pytest.fixture
def world(store):
    """A Danish municipality on each store."""
    return build_world(store, "dk")


@pytest.fixture
def no_world(store):
    """A Norwegian municipality on each store."""
    return build_world(store, "no")
