"""``/media/<path>``: stored photo renditions, immutable (the name is the content's hash).

Only names the pipeline makes are served (``ab/cd/<sha256>.jpg``), so no other file
under ``MEDIA_ROOT`` can be reached. In production a web server may serve
``MEDIA_ROOT`` at ``MEDIA_URL`` directly with the same headers.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("media", __name__)
MEDIA_PATH = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.jpg$")


@bp.get("/media/<path:path>")
def media(path: str):
    if not MEDIA_PATH.match(path) or path[:2] != path[6:8] or path[3:5] != path[8:10]:
        abort(404)
    response = send_from_directory(current_app.config["MEDIA_ROOT"], path,
                                   mimetype="image/jpeg", max_age=31536000, conditional=True)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
