import { Type as t } from "@sinclair/typebox";
import { defineEvent } from "./define.ts";
import { Nullable, OneOf, Text, Uuid } from "./schema-parts.ts";

/*
 * The photo pipeline (docs/decisions/0018-photo-pipeline.md): file announces a confirmed upload,
 * the media worker processes it and reports back over gRPC, file announces the outcome.
 */

const fileId = Uuid("The file service's id of the photo");
const exampleFileId = "0197a4f5-8a90-7123-8456-789abcdef012";

export const photoTypes = ["image/jpeg", "image/png", "image/gif", "image/webp"] as const;

/** Why a photo could not be made ready; every member-facing `failureReason` is one of these. */
export const photoFailureReasons = [
  "too_large",
  "undecodable",
  "timeout",
  "infected",
  "missing",
] as const;

export const fileUploaded = defineEvent({
  name: "file.uploaded",
  version: 1,
  description:
    "An upload was confirmed: its bytes sit in the quarantine area (incoming/<fileId>), checked against the intent, waiting to be scanned and processed. No download URL is issued until file.processed says ready. Re-sent for a file stuck in processing, so a consumer may see it more than once.",
  producer: "file",
  aggregate: "file",
  subject: "fileId",
  schema: t.Object(
    {
      fileId,
      contentType: OneOf(photoTypes, "The type the upload declared, checked against its bytes"),
      size: t.Integer({ minimum: 1, description: "The upload's size in bytes" }),
      ownerRef: Text("What owns the file in the uploader's service (memory:<uuid>)"),
    },
    { additionalProperties: false },
  ),
  example: {
    fileId: exampleFileId,
    contentType: "image/jpeg",
    size: 2_481_152,
    ownerRef: "memory:0197a4f5-8a9b-7c0d-9e1f-203142536475",
  },
});

const Variant = (description: string) =>
  Nullable(
    t.Object(
      {
        width: t.Integer({ minimum: 1 }),
        height: t.Integer({ minimum: 1 }),
        contentType: Text("The variant's media type"),
      },
      { additionalProperties: false },
    ),
    `${description}; null unless ready`,
  );

export const fileProcessed = defineEvent({
  name: "file.processed",
  version: 1,
  description:
    "A photo left processing: ready (variants written, upright dimensions and a placeholder known, the quarantined upload deleted) or failed with a reason (its objects deleted). Sent once per file.",
  producer: "file",
  aggregate: "file",
  subject: "fileId",
  schema: t.Object(
    {
      fileId,
      ownerRef: Text("What owns the file in the uploader's service (memory:<uuid>)"),
      status: OneOf(["ready", "failed"], "How processing ended"),
      failureReason: Nullable(OneOf(photoFailureReasons, "Why it failed"), "null when ready"),
      width: Nullable(t.Integer({ minimum: 1 }), "Upright width in pixels; null when failed"),
      height: Nullable(t.Integer({ minimum: 1 }), "Upright height in pixels; null when failed"),
      placeholder: Nullable(Text("A ThumbHash of the photo, base64"), "null when failed"),
      preview: Variant("The preview, longest side at most 2048 px"),
      thumbnail: Variant("The thumbnail, longest side at most 400 px"),
    },
    { additionalProperties: false },
  ),
  example: {
    fileId: exampleFileId,
    ownerRef: "memory:0197a4f5-8a9b-7c0d-9e1f-203142536475",
    status: "ready",
    failureReason: null,
    width: 3024,
    height: 4032,
    placeholder: "1QcSHQRnh493V4dIh4eXh1h4kJUI",
    preview: { width: 1536, height: 2048, contentType: "image/webp" },
    thumbnail: { width: 300, height: 400, contentType: "image/webp" },
  },
});

export const fileEvents = [fileUploaded, fileProcessed] as const;
