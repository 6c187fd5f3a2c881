from tests.e2e.conftest import assert_accessible, screenshot


def test_login_page_renders_and_is_accessible(page):
    page.goto("/accounts/login/")
    assert page.get_by_role("button", name="Log in").is_visible() or page.get_by_role("button").count()
    assert_accessible(page)
    screenshot(page, "login")
