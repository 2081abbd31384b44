"""The dashboard in a real browser: htmx filters (URL changes, no reload), charts, tables, PDF."""

import datetime as dt
import re
import subprocess
from pathlib import Path

from playwright.sync_api import expect

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _marked(page):
    # A full page load would drop this property: its survival proves htmx swapped in place.
    page.evaluate("window.__noReload = true")


def _still_marked(page) -> bool:
    return page.evaluate("window.__noReload === true")


def test_filters_change_the_url_without_reloading(page, live_server, login_page, screenshot):
    login_page(page, "supervisor")
    page.goto(f"{live_server}/reports")
    expect(page.locator("#report .kpi").first).to_be_visible()
    expect(page.locator('[data-kpi="avg_wait_min"] .kpi__value')).to_contain_text("phút")
    _marked(page)

    page.locator(".period-chips a", has_text="Quý này").click()
    expect(page).to_have_url(re.compile(r"period=quarter"))
    expect(page.locator(".chip--active")).to_have_text("Quý này")

    page.select_option("select[name=office]", "VY-LB")
    expect(page).to_have_url(re.compile(r"office=VY-LB"))
    expect(page.locator(".report__subject")).to_contain_text("Liên Bảo")

    start = (dt.date.today() - dt.timedelta(days=20)).isoformat()
    page.fill("input[name=from]", start)
    page.locator("input[name=from]").dispatch_event("change")
    expect(page).to_have_url(re.compile(rf"period=custom.*from={start}"), timeout=15_000)
    assert _still_marked(page)

    page.go_back()
    expect(page).to_have_url(re.compile(r"office=VY-LB&scope=tree&period=quarter"))
    page.goto(f"{live_server}/reports?office=VY&period=last-month")
    expect(page.locator(".chip--active")).to_have_text("Tháng trước")
    page.wait_for_function(
        "[...document.querySelectorAll('.chart img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    screenshot(page, "dashboard")


def test_charts_are_drawn_on_the_server(page, live_server, login_page):
    login_page(page, "supervisor")
    page.goto(f"{live_server}/reports?period=month")
    images = page.locator(".chart img")
    expect(images).to_have_count(5)
    for index in range(5):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        expect(image).to_have_attribute("src", re.compile(r"/reports/charts/[a-z-]+\.svg\?"))
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )


def test_tables_switch_and_sort_in_place(page, live_server, login_page, screenshot):
    login_page(page, "supervisor")
    page.goto(f"{live_server}/reports?period=month")
    _marked(page)
    page.locator(".report-tabs a", has_text="Quầy").click()
    expect(page).to_have_url(re.compile(r"tab=counters"))
    page.locator("#report-table th a", has_text="Chờ TB").click()
    expect(page).to_have_url(re.compile(r"sort=avg_wait_min&dir=desc"))
    waits = page.locator("#report-table tbody td.num-minutes").all_inner_texts()
    numbers = [
        float(w.split()[0].replace(".", "").replace(",", "."))
        for w in waits[::2]
        if w.strip() != "—"
    ]
    assert numbers == sorted(numbers, reverse=True)
    page.locator(".report-tabs a", has_text="Chờ lâu nhất").click()
    expect(page).to_have_url(re.compile(r"tab=waits"))
    expect(page.locator("#report-table tbody tr").first).to_be_visible()
    assert _still_marked(page)
    screenshot(page, "longest-waits")


def test_a_ward_supervisor_cannot_open_the_city(page, live_server, login_page):
    login_page(page, "vy-lb-supervisor")
    response = page.goto(f"{live_server}/reports?office=VY")
    assert response.status == 403
    page.goto(f"{live_server}/reports")
    expect(page.locator("select[name=office] option")).to_have_count(1)


def test_pdf_report_pages(page, live_server, login_page):
    login_page(page, "supervisor")
    response = page.request.get(f"{live_server}/reports/report.pdf?period=month")
    assert response.status == 200 and response.body().startswith(b"%PDF-")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("test_pdf_report_pages-page-*.png"):
        old.unlink()
    pdf = SHOTS / "test_pdf_report_pages-report.pdf"
    pdf.write_bytes(response.body())
    # Pictures of the pages, to look at: test-artifacts/screenshots/test_pdf_report_pages-page-N.png
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", str(pdf), str(SHOTS / "test_pdf_report_pages-page")],
        check=True,
    )
    assert list(SHOTS.glob("test_pdf_report_pages-page-*.png"))
