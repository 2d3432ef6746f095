/**
 * The reasons the pipeline itself rejects a photo (decision 0018 lists the job's others,
 * `infected` and `missing`, which come from the scanner and the object store).
 */
export type PhotoRejectReason = "too_large" | "undecodable" | "timeout";

/** A photo the pipeline will not process; `message` is fit to show the uploader. */
export class PhotoRejected extends Error {
  override readonly name = "PhotoRejected";

  constructor(
    readonly reason: PhotoRejectReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const UNDECODABLE_MESSAGE =
  "The file is not a complete, readable JPEG, PNG, GIF or WebP image.";

export const timeoutMessage = (timeoutMs: number) =>
  `Processing the photo took longer than ${timeoutMs} ms.`;

export const tooLargeMessage = (pixels: number, maxPixels: number) =>
  `The photo has ${pixels} pixels; at most ${maxPixels} are accepted.`;

/**
 * The error to throw for what a step threw. libvips' own messages tell the pixel limit and sharp's
 * per-pipeline timeout apart from damaged data; any other error is undecodable, except a TypeError
 * or ReferenceError: a bug here rather than bad input, passed on as it is.
 */
export function rejectionFrom(
  error: unknown,
  limits: { maxPixels: number; timeoutMs: number },
): unknown {
  if (error instanceof PhotoRejected) return error;
  if (error instanceof TypeError || error instanceof ReferenceError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(detail)) {
    return new PhotoRejected("too_large", `The photo has more than ${limits.maxPixels} pixels.`, {
      cause: error,
    });
  }
  if (/^timeout:/i.test(detail)) {
    return new PhotoRejected("timeout", timeoutMessage(limits.timeoutMs), { cause: error });
  }
  return new PhotoRejected("undecodable", UNDECODABLE_MESSAGE, { cause: error });
}
