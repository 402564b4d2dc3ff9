import pytest


@pytest.mark.django_db
def test_it_renders_the_start_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Communities of practice" in response.content
