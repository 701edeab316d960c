"""The web app: routes, templates and error pages over :mod:`transforms.site.data`.

Every page exists at ``/<page>`` (the default release) and ``/r/<release_id>/<page>`` (any other
release of the store: the release switcher). URLs are built from stable ids, a readable slug may
follow and is never needed; an id merged into another redirects (301) to the id it lives on as,
a removed id is a 410 page, an unknown one a 404 page: never a traceback.

Names are data: Jinja2 escapes every value, control characters (terminal escapes) are shown as
``\\u001b``, the chart's data travels as JSON that the chart library draws as text, and a
Content-Security-Policy allows only the app's own scripts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from transforms.errors import PwcError, ReleaseNotFound
from transforms.site import data
from transforms.site.release import OpenRelease, Releases, ServeConfig
from transforms.submissions.problems import safe_text

log = logging.getLogger(__name__)

SITE_DIR = Path(str(resources.files("transforms.site")))
ATTRIBUTION = "Data sourced from the PWC Archive (CC-BY-SA 4.0)"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
NAV = (
    ("Tasks", "tasks"),
    ("SotA", "sota"),
    ("Datasets", "datasets"),
    ("Papers", "papers"),
    ("Methods", "methods"),
    ("Submit", "submit"),
    ("About", "about"),
)


class PageError(Exception):
    """An error page: 404 unknown id, 410 removed id, 400 bad request, 413 upload too large."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


# --------------------------------------------------------------------------- formatting


def fmt_value(value: Any, raw: Any = None) -> str:
    """A result value as the seed pages show it: 18.70 -> 18.7, 66.0 -> 66; the raw cell when
    it did not parse."""
    if isinstance(value, float) and math.isfinite(value):
        return format(value, ".10g")
    if isinstance(value, int):
        return str(value)
    return "" if raw is None else str(raw)


def _finalize(value: Any) -> Any:
    """Every ``{{ }}`` output: text with control characters made visible (then autoescaped)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return safe_text(value)
    return "" if value is None else value


def _markdown() -> Callable[[str | None], Markup]:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")

    def render(text: str | None) -> Markup:
        # html off: raw HTML in a description is shown as text; unsafe link schemes are dropped.
        return Markup(md.render(safe_text(text or "")))

    return render


class Urls:
    """URLs of one release's pages: ``base`` is '' for the default release, else /r/<id>."""

    def __init__(self, base: str) -> None:
        self.base = base

    def page(self, *parts: str, **query: Any) -> str:
        path = self.base + "/" + "/".join(quote(p, safe="") for p in parts if p)
        args = {k: v for k, v in query.items() if v not in (None, "")}
        return path + ("?" + urlencode(args) if args else "")

    def _named(self, kind: str, entity_id: str, name: str | None) -> str:
        return self.page(kind, entity_id, data.slug(name))

    def paper(self, paper_id: str, title: str | None = None) -> str:
        return self._named("paper", paper_id, title)

    def task(self, task_id: str, name: str | None = None) -> str:
        return self._named("task", task_id, name)

    def dataset(self, dataset_id: str, name: str | None = None) -> str:
        return self._named("dataset", dataset_id, name)

    def method(self, method_id: str, name: str | None = None) -> str:
        return self._named("method", method_id, name)

    def model(self, model_id: str, name: str | None = None) -> str:
        return self._named("model", model_id, name)

    def board(self, task_id: str, dataset_id: str, metric_id: str, *names: str | None) -> str:
        return self.page(
            "sota", task_id, dataset_id, metric_id, data.slug(" on ".join(n or "" for n in names))
        )


# --------------------------------------------------------------------------- app


def create_app(config: ServeConfig, releases: Releases | None = None) -> FastAPI:
    """The site over ``config``'s releases (opened now unless ``releases`` is given).

    Opening verifies the default release and refuses a corrupt or stale one (PwcError).
    """
    opened = releases or Releases(config)
    # Loaded now, not by the first requests: the search documents and the row indexes.
    search_docs(opened.default)
    data.warm(opened.default)
    env = Environment(
        loader=FileSystemLoader(str(SITE_DIR / "templates")),
        autoescape=select_autoescape(["html"], default=True),
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates are package files: no stat() of each on every page
    )
    env.filters["value"] = fmt_value
    env.filters["markdown"] = _markdown()
    env.globals["NAV"] = NAV
    env.globals["ATTRIBUTION"] = ATTRIBUTION

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        # Pages run in a thread pool; DuckDB releases the GIL while it reads, so a few threads
        # more than cores keep every core busy. More (anyio's default is 40) only adds switching
        # between threads queued on the same cores: measured, 18 % more CPU per page and twice
        # the spread of latencies.
        anyio.to_thread.current_default_thread_limiter().total_tokens = config.request_threads
        yield

    app = FastAPI(
        title="Papers With Code 2", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.releases = opened
    app.state.config = config
    app.mount("/static", StaticFiles(directory=str(SITE_DIR / "static")), name="static")

    def release_of(request: Request) -> tuple[OpenRelease, Urls]:
        rid = request.path_params.get("release_id")
        try:
            release = opened.get(rid)
        except ReleaseNotFound as exc:
            raise PageError(404, "Release not found", str(exc)) from None
        except PwcError as exc:
            raise PageError(503, "Release not available", str(exc)) from None
        return release, Urls("" if rid is None else f"/r/{release.release_id}")

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        release, urls = context.pop("_release", None) or release_of(request)
        rel_path = request.url.path
        if request.path_params.get("release_id"):
            rel_path = rel_path.split("/", 3)[3] if rel_path.count("/") >= 3 else ""
            rel_path = "/" + rel_path
        if request.url.query:
            rel_path += "?" + request.url.query  # the switcher opens the same search in another release
        html = env.get_template(template).render(
            release=release,
            u=urls,
            releases=opened.listed(),
            current_path=rel_path,
            is_default=release is opened.default,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def moved_or_missing(
        request: Request, kind: str, entity_id: str, rebuild: Callable[[str], str]
    ) -> Response:
        release, _ = release_of(request)
        if not data.ID_PATTERN.match(entity_id):
            raise PageError(404, f"No such {kind}", f"{entity_id!r} is not a {kind} id of this archive.")
        moved = data.resolve(release.cursor(), entity_id)
        if moved and moved.status == "merged" and moved.current_id and moved.current_id != entity_id:
            return RedirectResponse(rebuild(moved.current_id), status_code=301)
        if moved and moved.status == "removed":
            raise PageError(
                410,
                f"{kind.capitalize()} removed",
                f"{entity_id} was last published in release {moved.last_release} and is no longer in the data.",
            )
        raise PageError(404, f"No such {kind}", f"Release {release.release_id} has no {kind} {entity_id}.")

    router = APIRouter()
    upload_limiter = anyio.CapacityLimiter(1)

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        release, urls = release_of(request)
        return render(request, "home.html", _release=(release, urls), home=data.home_page(release))

    @router.get("/paper/{paper_id}", response_class=HTMLResponse)
    @router.get("/paper/{paper_id}/{slug}", response_class=HTMLResponse)
    def paper(request: Request, paper_id: str, slug: str = "") -> Response:
        release, urls = release_of(request)
        page = data.paper_page(release, paper_id) if data.ID_PATTERN.match(paper_id) else None
        if page is None:
            return moved_or_missing(request, "paper", paper_id, urls.paper)
        return render(request, "paper.html", _release=(release, urls), **page)

    @router.get("/sota", response_class=HTMLResponse)
    def sota(request: Request, page: int = 1) -> Response:
        release, urls = release_of(request)
        listing = data.catalogue_page(release, "sota", page)
        return render(request, "catalogue.html", _release=(release, urls), kind="sota", listing=listing)

    @router.get("/sota/{task_id}/{dataset_id}")
    def board_default(request: Request, task_id: str, dataset_id: str) -> Response:
        release, urls = release_of(request)
        metric_id = data.main_metric(release.cursor(), task_id, dataset_id)
        if metric_id is None:
            raise PageError(
                404, "No such leaderboard", f"Release {release.release_id} has no leaderboard here."
            )
        return RedirectResponse(urls.page("sota", task_id, dataset_id, metric_id), status_code=302)

    @router.get("/sota/{task_id}/{dataset_id}/{metric_id}", response_class=HTMLResponse)
    @router.get("/sota/{task_id}/{dataset_id}/{metric_id}/{slug}", response_class=HTMLResponse)
    def board(request: Request, task_id: str, dataset_id: str, metric_id: str, slug: str = "") -> Response:
        release, urls = release_of(request)
        ids = (task_id, dataset_id, metric_id)
        page = data.board_page(release, *ids) if all(map(data.ID_PATTERN.match, ids)) else None
        if page is None:
            cur = release.cursor()
            current = []
            for entity_id in ids:
                moved = data.resolve(cur, entity_id) if data.ID_PATTERN.match(entity_id) else None
                merged = moved and moved.status == "merged" and moved.current_id
                current.append(moved.current_id if merged and moved and moved.current_id else entity_id)
            if tuple(current) != ids:
                return RedirectResponse(urls.page("sota", *current), status_code=301)
            raise PageError(
                404,
                "No such leaderboard",
                f"Release {release.release_id} has no leaderboard {'/'.join(ids)}.",
            )
        return render(request, "board.html", _release=(release, urls), **page)

    def entity_route(kind: str, loader: Callable[[Any, str], dict[str, Any] | None]) -> None:
        def view(request: Request, entity_id: str, slug: str = "") -> Response:
            release, urls = release_of(request)
            page = loader(release.cursor(), entity_id) if data.ID_PATTERN.match(entity_id) else None
            if page is None:
                return moved_or_missing(request, kind, entity_id, getattr(urls, kind))
            return render(request, f"{kind}.html", _release=(release, urls), **page)

        view.__name__ = kind
        router.add_api_route(f"/{kind}/{{entity_id}}", view, response_class=HTMLResponse, methods=["GET"])
        router.add_api_route(
            f"/{kind}/{{entity_id}}/{{slug}}", view, response_class=HTMLResponse, methods=["GET"]
        )

    entity_route("task", data.task_page)
    entity_route("dataset", data.dataset_page)
    entity_route("method", data.method_page)
    entity_route("model", data.model_page)

    def catalogue_route(kind: str) -> None:
        def view(request: Request, page: int = 1) -> Response:
            release, urls = release_of(request)
            listing = data.catalogue_page(release, kind, page)
            return render(request, "catalogue.html", _release=(release, urls), kind=kind, listing=listing)

        view.__name__ = f"catalogue_{kind}"
        router.add_api_route(f"/{kind}", view, response_class=HTMLResponse, methods=["GET"])

    for kind in ("tasks", "datasets", "papers", "methods"):
        catalogue_route(kind)

    @router.get("/search", response_class=HTMLResponse)
    def search_page(request: Request, q: str = "", kind: str = "", page: int = 1) -> Response:
        from transforms.site.search import KINDS, PER_KIND, search

        release, urls = release_of(request)
        if kind and kind not in KINDS:
            raise PageError(400, "Bad search", f"kind: expected one of {', '.join(KINDS)}, found {kind!r}")
        page = max(1, page)
        limit = data.PAGE_SIZE if kind else PER_KIND
        found = None
        if q:
            found = search(
                release.cursor(),
                q,
                docs=search_docs(release),
                kind=kind or None,
                limit=limit,
                offset=(page - 1) * limit,
            )
        pages = math.ceil(found.kinds[kind].total / limit) if found and kind else 1
        return render(
            request,
            "search.html",
            _release=(release, urls),
            q=q,
            kind=kind,
            found=found,
            page=page,
            pages=pages,
        )

    @router.get("/about", response_class=HTMLResponse)
    def about(request: Request) -> Response:
        return render(request, "about.html", counts=data.counts(release_of(request)[0]))

    @router.get("/release", response_class=HTMLResponse)
    def release_files(request: Request) -> Response:
        return render(request, "release.html")

    @router.get("/release/files/{path:path}")
    def release_file(request: Request, path: str) -> Response:
        release, _ = release_of(request)
        listed = {f["path"] for f in release.files}
        if path not in listed:
            raise PageError(404, "No such file", f"{path!r} is not a file of release {release.release_id}.")
        if release.files_url:
            return RedirectResponse(f"{release.files_url}/{path}", status_code=302)
        if path == "manifest.json" and release.directory is None:
            return JSONResponse(release.manifest)  # checked against the store's index when opened
        if release.directory is None:
            raise PageError(404, "Not on this server", "This server holds only the release's pwc.duckdb.")
        return FileResponse(release.directory / path, filename=Path(path).name)

    # ------------------------------------------------------------------- submit

    @router.get("/submit", response_class=HTMLResponse)
    def submit_form(request: Request) -> Response:
        return render(request, "submit.html", result=None, max_bytes=config.max_submission_bytes)

    @router.post("/submit", response_class=HTMLResponse)
    async def submit_upload(request: Request) -> Response:
        import anyio.to_thread

        limit = config.max_submission_bytes
        declared = request.headers.get("content-length")
        if declared is None or not declared.isdigit():
            raise PageError(
                411, "Upload refused", "Send the file from the form (the request had no Content-Length)."
            )
        if int(declared) > limit + 1_000_000:
            # Far larger than any acceptable file: refused before a byte of it is read.
            raise PageError(
                413,
                "File too large",
                f"The upload is {int(declared):,} bytes; the largest file accepted is {limit:,} bytes.",
            )
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not getattr(upload, "filename", None):
            return render(
                request,
                "submit.html",
                status=400,
                result=None,
                max_bytes=limit,
                error="Choose a file to upload.",
            )
        head = await upload.read(limit + 1)
        size = upload.size if upload.size is not None else len(head)
        await upload.close()
        # A thread of its own (one upload at a time): a validation takes seconds and must not
        # hold one of the few threads that serve pages.
        result = await anyio.to_thread.run_sync(
            _check_upload, opened, config, upload.filename or "", head, size, limiter=upload_limiter
        )
        status = 200 if result.valid else 422
        return render(request, "submit.html", status=status, result=result, max_bytes=limit)

    @router.get("/submit/{receipt_id}", response_class=HTMLResponse)
    def receipt(request: Request, receipt_id: str) -> Response:
        from transforms.site.submit import ReceiptNotFound, receipt_status

        if config.submissions is None:
            raise PageError(404, "No receipts here", "This server does not take submissions.")
        try:
            status = receipt_status(config.submissions, config.store, receipt_id)
        except ReceiptNotFound as exc:
            raise PageError(404, "No such receipt", str(exc)) from None
        return render(request, "receipt.html", status=200, receipt=status)

    app.include_router(router)
    app.include_router(router, prefix="/r/{release_id}")

    @app.get("/switch")
    def switch(release: str = "", path: str = "/") -> Response:
        if not path.startswith("/") or path.startswith("//") or "\\" in path:
            path = "/"  # only a path of this site, never another host (//host, /\\host)
        if not release or release == opened.default.release_id:
            return RedirectResponse(path, status_code=303)
        return RedirectResponse(f"/r/{quote(release, safe='')}{path}", status_code=303)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"ok": True, "release": opened.default.release_id})

    app.add_middleware(SecurityHeaders)

    def error_page(request: Request, status: int, title: str, message: str) -> Response:
        try:
            rid = request.path_params.get("release_id") if hasattr(request, "path_params") else None
            release = opened.get(rid) if rid else opened.default
        except PwcError:
            release = opened.default
        base = f"/r/{release.release_id}" if release is not opened.default else ""
        html = env.get_template("error.html").render(
            release=release,
            u=Urls(base),
            releases=opened.listed(),
            current_path="/",
            is_default=release is opened.default,
            status=status,
            title=title,
            message=message,
        )
        return HTMLResponse(html, status_code=status)

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        return error_page(request, exc.status, exc.title, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = "Page not found" if exc.status_code == 404 else "Request refused"
        message = "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
        return error_page(request, exc.status_code, title, message)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path)
        return error_page(
            request, 500, "Something went wrong", "The error was logged; please try again later."
        )

    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors())
        return error_page(
            request, 400, "Bad request", f"Check the address: {fields or 'a parameter'} is not valid."
        )

    return app


class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every response (plain ASGI: no per-request
    task, unlike an ``@app.middleware`` function)."""

    HEADERS = (
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *self.HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def search_docs(release: OpenRelease) -> Any:
    """The release's search documents in memory (loaded once)."""
    from transforms.site.search import Docs

    return release.once("search_docs", lambda: Docs(release.cursor()))


def _check_upload(releases: Releases, config: ServeConfig, name: str, head: bytes, size: int) -> Any:
    from transforms.site.submit import check_and_file

    if config.submissions is None or config.expectations is None:
        raise PageError(404, "Submissions closed", "This server does not take submissions.")
    try:
        return check_and_file(
            name,
            head,
            size,
            submissions=config.submissions,
            expectations=config.expectations,
            max_bytes=config.max_submission_bytes,
            reference=_reference(releases, config),
        )
    except PwcError as exc:  # the store or the submissions root cannot be read or written
        raise PageError(503, "Submissions unavailable", f"Nothing was filed: {exc}") from None


def _reference(releases: Releases, config: ServeConfig) -> Any:
    """What uploads are compared with: the store's latest release (as the intake does), or the one
    release directory served."""
    from transforms.submissions.reference import Reference, open_reference

    if config.store is not None:
        return open_reference(config.store, "latest", cache_dir=config.cache_dir / "reference")
    default = releases.default
    assert default.directory is not None
    return Reference(default.release_id, default.directory / "pwc.duckdb")
