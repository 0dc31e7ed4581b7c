import pytest

from tests.html import parse_elements

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"])
def test_pages_send_a_content_security_policy_without_inline_script(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    for tag, attrs in parse_elements(response.content.decode()):
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), "inline script would break the CSP"


def test_search_like_query_strings_are_not_reflected_unescaped(client):
    response = client.get("/accounts/login/?next=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_missing_page_is_a_plain_404(client):
    response = client.get("/t/99999999999999999999999/%3Cscript%3E/")
    assert response.status_code == 404
    assert "<script>" not in response.content.decode()
