"""A listing's photos: upload (multipart field ``file``) and delete."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from app.api import bp
from app.api.helpers import UnsupportedMediaType, created, login_required
from app.api.openapi import operation, path_id
from app.errors import ValidationFailed
from app.listings import photos, services
from app.listings.serialize import image_json


@bp.post("/listings/<int:listing_id>/images")
@login_required
def upload_listing_image(listing_id: int):
    listing = services.listing_for_change(listing_id, current_user)
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(_("Send bildet som multipart/form-data i feltet «file»."))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed({"file": [_("Velg en bildefil.")]})
    image = photos.add_image(listing, upload.stream, upload.filename, upload.mimetype)
    return created(image_json(image), f"/api/v1/listings/{listing.id}/images/{image.id}")


@bp.delete("/listings/<int:listing_id>/images/<int:image_id>")
@login_required
def delete_listing_image(listing_id: int, image_id: int):
    listing = services.listing_for_change(listing_id, current_user)
    photos.remove_image(listing, image_id)
    return "", 204


operation("/listings/{listing_id}/images", "post",
          "Add a photo (JPEG, PNG or WebP; at most 10 per listing)",
          params=[path_id("listing_id")],
          body={"type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}}},
          body_content_type="multipart/form-data", responses={201: "ListingImage"},
          errors=(403, 404, 409), tags=("listings",))
operation("/listings/{listing_id}/images/{image_id}", "delete", "Remove a photo",
          params=[path_id("listing_id"), path_id("image_id")], responses={204: None},
          errors=(403, 404, 409), tags=("listings",))
