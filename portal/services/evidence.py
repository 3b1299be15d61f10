"""Evidence files for a dispute: checked by their content (never their name), stored under random names.

A file is accepted only when its bytes are a PDF, JPEG or PNG: the magic bytes must match and the
structure must hold (a PDF starts with %PDF- and ends with %%EOF; an image is fully decoded with
Pillow). Files that also read as HTML, SVG or script (polyglots) are refused whatever they start with.
The debtor's file name is only displayed, after it is checked for line breaks and folder parts.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image

from portal.models.base import random_id
from portal.services.errors import InvalidInput

MAX_FILES = 3
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a photo of a receipt needs far fewer; more is a decompression bomb
FILENAME_MAX = 120
FIELD = "files"
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
# Markers that make a browser read the bytes as markup or script (long enough not to occur by chance).
_MARKUP = re.compile(
    rb"<(?:!doctype|html|head>|head\s|body|script|iframe|object|embed|meta\s|svg[\s>/]|\?xml-stylesheet)|javascript:",
    re.IGNORECASE,
)
# What makes a PDF act on its own: scripts, launched programs, files hidden inside.
_PDF_ACTIONS = re.compile(rb"/JavaScript|/JS\s*[(<]|/Launch|/EmbeddedFile|/RichMedia|/XFA")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]|^\.\.?$|\.\.")


@dataclass(frozen=True)
class Upload:
    """One file as the debtor sent it: the name their device gave it and its bytes (at most one byte too many)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Evidence:
    """A file that passed every check, ready to store."""

    filename: str
    content_type: str
    data: bytes
    sha256: str


def _refuse(message) -> InvalidInput:
    """The error for the files field."""
    return InvalidInput(field=FIELD, message=message)


def display_name(filename: str) -> str:
    """The debtor's file name, refused when it holds line breaks, control characters or folder parts."""
    name = unicodedata.normalize("NFC", filename or "").strip()
    if not name or _UNSAFE_NAME.search(name):
        raise _refuse(_l("A file name must not contain line breaks, slashes or folder names. Rename the file."))
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: FILENAME_MAX - len(ext) - 2] + "…" + dot + ext) if dot and len(ext) <= 5 else name[:FILENAME_MAX]
    return name


def _is_pdf(data: bytes) -> bool:
    """A PDF header and an end-of-file marker near the end."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


# How each image format must end: nothing may follow (WeasyPrint tells Pillow to accept truncated images
# process-wide, so the end is checked here rather than left to the decoder).
_IMAGE_ENDS = {"JPEG": b"\xff\xd9", "PNG": b"IEND\xaeB`\x82"}


def _decodes_as(data: bytes, image_format: str) -> bool:
    """Whether the bytes end as the format must and Pillow fully decodes them, within the pixel limit."""
    if not data.endswith(_IMAGE_ENDS[image_format]):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                if image.format != image_format or image.width * image.height > MAX_IMAGE_PIXELS:
                    return False
                image.verify()  # PNG: every chunk's checksum
            with Image.open(BytesIO(data)) as image:
                image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        return False
    return True


def detect(data: bytes) -> str | None:
    """The content type the bytes really are (PDF, JPEG or PNG), or None."""
    if _MARKUP.search(data):
        return None
    if data.startswith(b"%PDF-"):
        return PDF if _is_pdf(data) and not _PDF_ACTIONS.search(data) else None
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG if _decodes_as(data, "JPEG") else None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG if _decodes_as(data, "PNG") else None
    return None


def check(uploads: list[Upload]) -> list[Evidence]:
    """Every file checked (count, name, size, content), or InvalidInput with the first reason."""
    if len(uploads) > MAX_FILES:
        raise _refuse(_l("Choose at most %(count)s files.", count=MAX_FILES))
    accepted = []
    for upload in uploads:
        name = display_name(upload.filename)
        if len(upload.data) > MAX_FILE_BYTES:
            raise _refuse(_l("%(name)s is larger than 5 MB. Choose a smaller file.", name=name))
        if not upload.data:
            raise _refuse(_l("%(name)s is empty.", name=name))
        content_type = detect(upload.data)
        if content_type is None:
            raise _refuse(_l("%(name)s is not a PDF, JPEG or PNG file. Choose another file.", name=name))
        accepted.append(Evidence(name, content_type, upload.data, hashlib.sha256(upload.data).hexdigest()))
    return accepted


class FileStore:
    """A folder outside static/ holding evidence under random names; files are written once, read by id."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def save(self, data: bytes) -> str:
        """Write the bytes under a new random name (atomically, readable by the owner only); return the name."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = random_id(40)
        temporary = self.folder / f".{name}.part"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, self.folder / name)
        return name

    def read(self, name: str) -> bytes:
        """The bytes stored under a name this store gave out."""
        if not re.fullmatch(r"[A-Za-z0-9]{40}", name):
            raise FileNotFoundError(name)
        return (self.folder / name).read_bytes()

    def discard(self, names: list[str]) -> None:
        """Remove files whose database rows were never committed."""
        for name in names:
            (self.folder / name).unlink(missing_ok=True)
