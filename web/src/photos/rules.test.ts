import { describe, expect, test } from "bun:test";
import {
  checkFile,
  confirmFailureText,
  MAX_BYTES,
  processingFailureText,
  takeFirst,
} from "./rules.ts";

const photo = (name: string, type = "image/jpeg", size = 1000) => ({ name, type, size });

describe("checkFile", () => {
  test("takes the four image types with a matching name", () => {
    expect(checkFile(photo("a.jpg"))).toEqual({ ok: true, contentType: "image/jpeg" });
    expect(checkFile(photo("A.JPEG"))).toEqual({ ok: true, contentType: "image/jpeg" });
    expect(checkFile(photo("b.png", "image/png"))).toEqual({ ok: true, contentType: "image/png" });
    expect(checkFile(photo("c.gif", "image/gif"))).toEqual({ ok: true, contentType: "image/gif" });
    expect(checkFile(photo("d.webp", "image/webp"))).toEqual({
      ok: true,
      contentType: "image/webp",
    });
  });

  test("refuses a photo over 10 MiB, and takes one of exactly 10 MiB", () => {
    expect(checkFile(photo("big.jpg", "image/jpeg", MAX_BYTES + 1))).toEqual({
      ok: false,
      reason: "larger than 10 MiB",
    });
    expect(checkFile(photo("edge.jpg", "image/jpeg", MAX_BYTES)).ok).toBe(true);
  });

  test("refuses other types, empty files and names that do not fit the type", () => {
    expect(checkFile(photo("a.heic", "image/heic"))).toEqual({
      ok: false,
      reason: "not a JPEG, PNG, GIF or WebP image",
    });
    expect(checkFile(photo("notes.txt", ""))).toMatchObject({ ok: false });
    expect(checkFile(photo("a.jpg", "image/jpeg", 0))).toEqual({
      ok: false,
      reason: "the file is empty",
    });
    expect(checkFile(photo("a.png", "image/jpeg"))).toEqual({
      ok: false,
      reason: "a JPEG image's name must end in .jpg or .jpeg",
    });
    expect(checkFile(photo("noext", "image/png"))).toMatchObject({ ok: false });
    expect(checkFile(photo(`${"x".repeat(252)}.jpg`))).toMatchObject({ ok: false });
  });

  test("reads the type off the name when the browser gives none", () => {
    expect(checkFile(photo("d.webp", ""))).toEqual({ ok: true, contentType: "image/webp" });
    expect(checkFile(photo("d.png", "application/octet-stream"))).toEqual({
      ok: true,
      contentType: "image/png",
    });
  });
});

describe("takeFirst", () => {
  test("takes up to ten without a word", () => {
    const files = Array.from({ length: 10 }, (_, i) => photo(`${i}.jpg`));
    expect(takeFirst(files)).toEqual({ taken: files, notice: undefined });
  });

  test("takes the first ten of more and names the rest", () => {
    const files = Array.from({ length: 12 }, (_, i) => photo(`${i}.jpg`));
    const { taken, notice } = takeFirst(files);
    expect(taken.map((file) => file.name)).toEqual(files.slice(0, 10).map((file) => file.name));
    expect(notice).toContain("You picked 12 photos");
    expect(notice).toContain("Not added: 10.jpg, 11.jpg.");
  });
});

describe("failure reasons", () => {
  test("processing failures in plain words", () => {
    expect(processingFailureText("too_large")).toBe("too large to process");
    expect(processingFailureText("undecodable")).toBe("not a readable image");
    expect(processingFailureText("infected")).toBe("refused by the virus scan");
    expect(processingFailureText("missing")).toBe("upload did not arrive");
    expect(processingFailureText("timeout")).toBe("took too long to process");
    expect(processingFailureText(null)).toBe("could not be processed");
  });

  test("confirm failures in plain words, unknown ones readable", () => {
    expect(confirmFailureText("checksum_mismatch")).toBe("the file changed on its way to storage");
    expect(confirmFailureText("missing")).toBe("upload did not arrive");
    expect(confirmFailureText("some_new_reason")).toBe("some new reason");
  });
});
