def test_home_page_renders_in_bokmal(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert "Gi overskuddet et nytt liv" in html
