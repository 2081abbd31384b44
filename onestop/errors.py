"""Error responses: a page in the user's language, a fragment for htmx, JSON under /api/."""

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from onestop.exceptions import DomainError
from onestop.extensions import db
from onestop.htmx import is_htmx

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Yêu cầu không hợp lệ"), _("Dữ liệu gửi lên không đúng. Vui lòng thử lại.")),
        401: (_("Cần đăng nhập"), _("Vui lòng đăng nhập hoặc gửi token hợp lệ.")),
        403: (_("Không có quyền"), _("Bạn không có quyền thực hiện việc này.")),
        404: (_("Không tìm thấy"), _("Trang hoặc dữ liệu bạn tìm không tồn tại.")),
        405: (_("Không cho phép"), _("Phương thức này không được hỗ trợ ở đây.")),
        409: (_("Xung đột trạng thái"), _("Việc này không phù hợp với trạng thái hiện tại.")),
        413: (_("Dữ liệu quá lớn"), _("Tệp hoặc nội dung gửi lên vượt quá giới hạn.")),
        422: (_("Dữ liệu chưa hợp lệ"), _("Vui lòng kiểm tra lại các trường được đánh dấu.")),
        429: (_("Quá nhiều yêu cầu"), _("Vui lòng đợi một lát rồi thử lại.")),
        500: (_("Lỗi hệ thống"), _("Đã có lỗi xảy ra. Vui lòng thử lại sau.")),
    }


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}


def error_response(status: int, message: str | None = None, code: str | None = None, errors=None):
    """Answer an error in the form the caller expects; the message defaults to the status's."""
    title, default_message = _messages().get(status, _messages()[500])
    message = message or default_message
    if request.path.startswith("/api/"):
        body = {"error": {"code": code or CODES.get(status, "error"), "message": message}}
        if errors:
            body["error"]["fields"] = errors
        return jsonify(body), status
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        db.session.rollback()
        return error_response(
            error.status, error.message, error.code, getattr(error, "errors", None)
        )

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return error_response(
            400,
            _(
                "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                "Vui lòng tải lại trang và thử lại."
            ),
            "csrf",
        )

    @app.errorhandler(DataError)
    def _unstorable(error: DataError):
        # The last line of defence: input the checks let through and the database refused
        # (a number out of range). Nothing was stored; the log names the route to fix.
        db.session.rollback()
        log.warning(
            "database refused the input of %s %s: %s", request.method, request.path, error.orig
        )
        return error_response(400, code="bad_input")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        response = make_response(error_response(error.code or 500))
        # Keep what the error tells the client to do next: Retry-After (429), Allow (405).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
