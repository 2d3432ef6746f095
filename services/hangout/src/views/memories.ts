import { photoFailureReasons } from "@hangout/events/file-events";
import { OneOf } from "@hangout/platform/http-schemas";
import { t } from "elysia";
import { photoStatuses } from "../db/schema.ts";
import type { MemoryWithUrl, PhotoVariant } from "../services/memory-urls.ts";
import { DateTime } from "./hangouts.ts";

const Pixels = (description: string) =>
  t.Union([t.Integer({ minimum: 1 }), t.Null()], { description });

const Variant = (description: string) =>
  t.Union(
    [
      t.Object({
        url: t.String({ description: "Short-lived download URL, expiring with `urlExpiresAt`" }),
        width: t.Integer({ minimum: 1 }),
        height: t.Integer({ minimum: 1 }),
        contentType: t.String(),
      }),
      t.Null(),
    ],
    { description },
  );

export const MemoryView = t.Object(
  {
    id: t.String({ format: "uuid" }),
    hangoutId: t.String({ format: "uuid" }),
    filename: t.String(),
    contentType: t.String({ description: "The type the photo was uploaded as" }),
    size: t.Integer({ description: "The uploaded size in bytes" }),
    uploadedBy: t.String({ format: "uuid" }),
    createdAt: DateTime,
    // Its description is on the object: the OpenAPI document keeps none on a list of values.
    status: OneOf(photoStatuses),
    // One flat union: a nested one loses its null in the OpenAPI document.
    failureReason: t.Union([...OneOf(photoFailureReasons).anyOf, t.Null()], {
      description: "Why the photo failed (`infected`: its files are gone); null unless failed",
    }),
    width: Pixels("Upright width in pixels; null until ready"),
    height: Pixels("Upright height in pixels; null until ready"),
    placeholder: t.Union([t.String({ maxLength: 64 }), t.Null()], {
      description: "A ThumbHash of the photo (base64) to show while it loads; null until ready",
    }),
    url: t.Union([t.String(), t.Null()], {
      description:
        "Short-lived download URL of the photo without its metadata (never the uploaded bytes); null unless ready",
    }),
    urlExpiresAt: t.Union([DateTime, t.Null()], {
      description: "When `url`, `preview.url` and `thumbnail.url` stop working; null with `url`",
    }),
    preview: Variant("WebP, longest side at most 2048 px, upright; null unless ready"),
    thumbnail: Variant("WebP, longest side at most 400 px, upright; null unless ready"),
  },
  {
    description:
      "A photo of a hangout. `status` is its processing (scan, metadata removal, preview and thumbnail): `processing` until it is `ready` or `failed`; the memory is listed in each of them, and has URLs only once ready.",
  },
);

const variant = (v: PhotoVariant | null) =>
  v && { url: v.url, width: v.width, height: v.height, contentType: v.contentType };

export const memoryView = ({
  memory: m,
  url,
  urlExpiresAt,
  preview,
  thumbnail,
}: MemoryWithUrl) => ({
  id: m.id,
  hangoutId: m.hangoutId,
  filename: m.filename,
  contentType: m.contentType,
  size: m.size,
  uploadedBy: m.uploadedBy,
  createdAt: m.createdAt.toISOString(),
  status: m.photoStatus,
  failureReason: m.photoStatus === "failed" ? m.failureReason : null,
  width: m.width,
  height: m.height,
  placeholder: m.placeholder,
  url,
  urlExpiresAt: urlExpiresAt?.toISOString() ?? null,
  preview: variant(preview),
  thumbnail: variant(thumbnail),
});
