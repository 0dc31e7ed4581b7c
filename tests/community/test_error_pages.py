import pytest
from django.db import close_old_connections, connection, connections
from django.urls import reverse

from community import home


@pytest.fixture
def client_seeing_errors(client):
    client.raise_request_exception = False  # as a browser would: the error page, not a traceback
    return client


@pytest.mark.django_db
def test_an_unexpected_error_shows_the_error_page_with_a_way_home(
    client_seeing_errors, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(home, "is_community_member", broken)

    response = client_seeing_errors.get(reverse("home"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert 'href="/"' in page
    assert "RuntimeError" not in page and "a bug" not in page


@pytest.mark.django_db(transaction=True)
def test_a_restarted_database_gets_a_503_once_and_the_next_request_reconnects(
    client_seeing_errors, member
):
    if connection.vendor != "postgresql":
        pytest.skip("ends the PostgreSQL backend under a kept connection")
    assert not connection.settings_dict["CONN_HEALTH_CHECKS"]
    client_seeing_errors.force_login(member)  # each request reads the member's row
    home_url = reverse("home")
    assert client_seeing_errors.get(home_url).status_code == 200
    backend_pid = connection.connection.info.backend_pid
    # What a database restart does to a connection a worker keeps between requests.
    killer = connections["default"].__class__(connection.settings_dict, alias="killer")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    finally:
        killer.close()

    response = client_seeing_errors.get(home_url)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Back in a moment" in response.content.decode()
    # Django's end-of-request step (which the test client leaves out) drops the broken
    # connection; the next request opens a new one.
    close_old_connections()
    assert client_seeing_errors.get(home_url).status_code == 200
