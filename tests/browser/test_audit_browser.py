"""The audit log in a real browser: changes and views appear, and the filters work through htmx."""

import re

from playwright.sync_api import expect


def test_admin_reads_who_changed_what_and_who_saw_personal_data(
    new_context, live_server, login_page, screenshot
):
    officer = login_page(new_context().new_page(), "officer1")
    officer.goto(f"{live_server}/dossiers")
    code = officer.locator("a.dossier-code").first.inner_text()
    officer.locator("a.dossier-code").first.click()
    expect(officer.locator("h1")).to_contain_text(code)

    admin = login_page(new_context().new_page(), "admin")
    admin.goto(f"{live_server}/admin/")
    row = admin.locator("tr", has=admin.locator("code", has_text=re.compile(r"^VY-LB$")))
    row.get_by_role("link", name="Sửa").click()
    admin.locator("tr.row--editing input[name=wait_target_min]").fill("15")
    admin.locator("tr.row--editing").get_by_role("button", name="Lưu").click()
    expect(admin.locator("tr.row--editing")).to_have_count(0)

    admin.get_by_role("link", name="Nhật ký thao tác").click()
    results = admin.locator("#audit-results")
    viewed = results.locator("tr", has_text=code)
    expect(viewed).to_contain_text("officer1")
    expect(viewed).to_contain_text("Xem dữ liệu cá nhân")
    edited = results.locator("tr", has_text="wait_target_min")
    expect(edited).to_contain_text("admin")
    expect(edited).to_contain_text("VY-LB")
    admin.evaluate("window.__notReloaded = true")

    admin.select_option("select[name=action]", "view")
    expect(results.locator("tr", has_text="wait_target_min")).to_have_count(0)
    expect(results.locator("tr", has_text=code)).to_be_visible()
    assert "action=view" in admin.url
    assert admin.evaluate("window.__notReloaded") is True
    admin.select_option("select[name=action]", "")
    expect(results.locator("tr", has_text="wait_target_min")).to_be_visible()
    screenshot(admin, "audit")
