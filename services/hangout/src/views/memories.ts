import { t } from "elysia";
import type { MemoryWithUrl } from "../services/memories.ts";
import { DateTime } from "./hangouts.ts";

export const MemoryView = t.Object({
  id: t.String({ format: "uuid" }),
  hangoutId: t.String({ format: "uuid" }),
  filename: t.String(),
  contentType: t.String(),
  size: t.Integer(),
  uploadedBy: t.String({ format: "uuid" }),
  createdAt: DateTime,
  url: t.String({ description: "Short-lived download URL" }),
  urlExpiresAt: DateTime,
});

export const memoryView = ({ memory: m, url, urlExpiresAt }: MemoryWithUrl) => ({
  id: m.id,
  hangoutId: m.hangoutId,
  filename: m.filename,
  contentType: m.contentType,
  size: m.size,
  uploadedBy: m.uploadedBy,
  createdAt: m.createdAt.toISOString(),
  url,
  urlExpiresAt: urlExpiresAt.toISOString(),
});
