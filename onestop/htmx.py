"""Recognising htmx requests, so a view answers a fragment to htmx and a page otherwise."""

from flask import Flask, render_template, request


def is_htmx() -> bool:
    """True for an htmx request, except a history restore, which needs the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(page: str, fragment: str, **context) -> str:
    """Render ``fragment`` for htmx and ``page`` (which includes it) for a normal request."""
    return render_template(fragment if is_htmx() else page, **context)


def _vary(response):
    if request.method == "GET":
        response.vary.add("HX-Request")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_vary)
