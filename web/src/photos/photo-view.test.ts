import { describe, expect, test } from "bun:test";
import { memory } from "./memory.fixture.ts";
import { placeholderUrl, stateText, tileSource, viewerSource } from "./photo-view.ts";

describe("what a photo shows", () => {
  const variant = (url: string) => ({ url, width: 10, height: 10, contentType: "image/webp" });

  test("the thumbnail on its tile and the preview in the viewer, the photo's URL failing those", () => {
    const ready = memory("a", "2026-01-01T00:00:00Z", {
      status: "ready",
      url: "u",
      thumbnail: variant("t"),
      preview: variant("p"),
    });
    expect(tileSource(ready)).toBe("t");
    expect(viewerSource(ready)).toBe("p");
    const plain = { ...ready, thumbnail: null, preview: null };
    expect(tileSource(plain)).toBe("u");
    expect(viewerSource(plain)).toBe("u");
    expect(stateText(ready)).toBeUndefined();
  });

  test("its state in words while it has no image", () => {
    expect(stateText(memory("a", "2026-01-01T00:00:00Z"))).toBe("Processing…");
    const failed = memory("a", "2026-01-01T00:00:00Z", {
      status: "failed",
      failureReason: "too_large",
    });
    expect(stateText(failed)).toBe("Failed: too large to process");
  });

  test("a ThumbHash becomes a data URL; a broken one becomes none", () => {
    expect(placeholderUrl("1QcSHQRnh493V4dIh4eXh1h4kJUI")).toStartWith("data:image/png;base64,");
    expect(placeholderUrl("%%%")).toBeUndefined();
    expect(placeholderUrl(null)).toBeUndefined();
  });
});
