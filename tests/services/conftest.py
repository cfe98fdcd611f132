import pytest


@pytest.fixture(params=["dk", "no"])
def profile(request):
    return request.param
