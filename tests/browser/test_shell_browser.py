"""The shell in a real browser: login per role, wrong password, language switch, an htmx edit."""

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize(
    "username, role_link", [("officer1", None), ("supervisor", None), ("admin", "Quản trị")]
)
def test_login_as_each_role(page, live_server, login_page, screenshot, username, role_link):
    login_page(page, username)
    expect(page.locator(".topbar__user")).to_contain_text("VY")
    if role_link:
        expect(page.locator(".topbar__nav")).to_contain_text(role_link)
    else:
        expect(page.locator(".topbar__nav")).not_to_contain_text("Quản trị")
    screenshot(page, username)


def test_login_page_lists_demo_accounts_and_rejects_a_wrong_password(page, live_server, screenshot):
    page.goto(f"{live_server}/login")
    expect(page.locator(".demo-banner")).to_be_visible()
    expect(page.locator(".demo-accounts")).to_contain_text("vy-lb-officer")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong password")
    page.click("form.form button[type=submit]")
    expect(page.locator(".flash--error")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    screenshot(page, "wrong-password")


def test_language_switch(page, live_server):
    page.goto(f"{live_server}/login")
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    page.click(".language-switch button")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click(".language-switch button")
    expect(page.locator("h1")).to_have_text("Đăng nhập")


def test_admin_edits_an_office_through_htmx_without_reloading(
    page, live_server, login_page, screenshot
):
    login_page(page, "admin")
    page.goto(f"{live_server}/admin/")
    page.evaluate("window.__notReloaded = true")
    row = page.locator("tr", has=page.locator("code", has_text=re.compile(r"^VY-TT$")))
    row.get_by_role("link", name="Sửa").click()
    form_row = page.locator("tr.row--editing")
    expect(form_row).to_be_visible()
    form_row.locator("input[name=name]").fill("   ")  # passes the browser's check, not the server's
    form_row.get_by_role("button", name="Lưu").click()
    expect(page.locator("tr.row--editing .field__error")).to_have_text("Trường này là bắt buộc.")
    screenshot(page, "admin-validation")
    page.locator("tr.row--editing input[name=name]").fill("UBND xã Thanh Trù (đã sửa)")
    page.locator("tr.row--editing").get_by_role("button", name="Lưu").click()
    expect(page.locator("tr", has_text="UBND xã Thanh Trù (đã sửa)")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    screenshot(page, "admin-saved")
