"""Serve a stored file after the view has checked permission, or let the proxy send it.

Media files are never published under a guessable URL (there is no MEDIA_URL route): every
image and evidence file goes through a view that checks who is asking. With
IPCENTER_SENDFILE_HEADER set, the view still decides, but answers with an empty response
carrying X-Accel-Redirect (nginx) or X-Sendfile (Apache, lighttpd) so the proxy streams
the bytes and the Python worker is free at once.
"""

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header


def serve_file(
    field: FieldFile,
    *,
    content_type: str,
    as_attachment: bool = False,
    filename: str | None = None,
) -> HttpResponse:
    """Return the file of `field`; the caller has already checked permission."""
    header = settings.IPCENTER_SENDFILE_HEADER
    if header:
        path = Path(field.path)
        if not path.is_file():
            raise Http404
        response = HttpResponse(content_type=content_type)
        if header == "X-Accel-Redirect":
            # nginx: `location /protected-media/ { internal; alias <MEDIA_ROOT>/; }`
            prefix = settings.IPCENTER_SENDFILE_PREFIX.rstrip("/")
            response[header] = quote(f"{prefix}/{field.name}")
        else:
            response[header] = str(path)
        disposition = content_disposition_header(as_attachment, filename or path.name)
        if disposition:
            response["Content-Disposition"] = disposition
    else:
        try:
            handle = field.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle,
            content_type=content_type,
            as_attachment=as_attachment,
            filename=filename or Path(field.name).name,
        )
    # Private: a shared cache must never hand one user's evidence to another.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
