import pytest
from django.db import connection

from search import text


@pytest.fixture(params=["whoosh", "postgres"])
def search_backend(request, settings):
    """Run a test once per backend; the PostgreSQL one only on a PostgreSQL database."""
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the postgres search backend needs a PostgreSQL database")
    settings.SEARCH_BACKEND = request.param
    return text.get_backend(request.param)
