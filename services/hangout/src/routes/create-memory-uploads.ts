import { authGuard } from "@hangout/platform/auth-guard";
import { OneOf, Problem, Text } from "@hangout/platform/http-schemas";
import { IMAGE_TYPES, MAX_FILE_BYTES, MAX_FILES_PER_CALL } from "@hangout/platform/upload-rules";
import { describePattern } from "@hangout/platform/validation-messages";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";

const SHA256_BASE64 = describePattern(
  "^[A-Za-z0-9+/]{43}=$",
  "must be a SHA-256 digest in base64 (44 characters ending in =)",
);

const UploadsBody = t.Object(
  {
    files: t.Array(
      t.Object(
        {
          filename: Text(1, 255),
          contentType: OneOf(Object.keys(IMAGE_TYPES) as [string, ...string[]]),
          size: t.Integer({ minimum: 1, maximum: MAX_FILE_BYTES }),
          sha256: t.String({ pattern: SHA256_BASE64, description: "base64 SHA-256" }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_FILES_PER_CALL },
    ),
  },
  { additionalProperties: false },
);

const Upload = t.Object({
  memoryId: t.String({ format: "uuid" }),
  url: t.String(),
  method: t.Literal("PUT"),
  headers: t.Record(t.String(), t.String()),
  expiresAt: t.String({ format: "date-time" }),
});

export const createMemoryUploadsRoute = ({ verify, memories, idempotent }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).post(
    "/hangouts/:id/memories/uploads",
    ({ userId, params, body, headers, set }) =>
      idempotent(
        {
          userId,
          key: headers["idempotency-key"] ?? null,
          scope: `POST /hangouts/${params.id}/memories/uploads`,
          body,
          set,
        },
        async () => {
          const uploads = await memories.createUploads(params.id, userId, body.files);
          return {
            status: 201,
            body: {
              uploads: uploads.map((u) => ({
                ...u,
                method: "PUT" as const,
                expiresAt: u.expiresAt.toISOString(),
              })),
            },
          };
        },
      ),
    {
      body: UploadsBody,
      headers: t.Object({ "idempotency-key": t.Optional(t.String()) }),
      response: {
        201: t.Object({ uploads: t.Array(Upload) }),
        401: Problem,
        404: Problem,
        409: Problem,
        422: Problem,
        503: Problem,
      },
      detail: {
        tags: ["memories"],
        summary: "Presigned upload URLs for up to 10 photos (members)",
        description:
          "PUT each file's bytes to its URL with exactly the returned headers, then confirm.",
        security: [{ bearer: [] }],
      },
    },
  );
