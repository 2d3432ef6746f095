import { InvalidInput } from "@hangout/platform/upload-rules";
import type { FileServiceImplementation } from "@hangout/proto/file/v1/file";
import { ServerError, Status } from "nice-grpc";
import type { FileRow } from "../repositories/files.ts";
import type { Files } from "../services/files.ts";
import { type Processing, ProcessingRefused } from "../services/processing.ts";

/** Bad input is INVALID_ARGUMENT with "field: reason"; anything else stays an internal error. */
async function mapErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof InvalidInput)
      throw new ServerError(Status.INVALID_ARGUMENT, error.message);
    if (error instanceof ProcessingRefused) {
      const code = error.code === "not_found" ? Status.NOT_FOUND : Status.FAILED_PRECONDITION;
      throw new ServerError(code, error.message);
    }
    throw error;
  }
}

const fileInfo = (row: FileRow) => ({
  fileId: row.id,
  filename: row.filename,
  contentType: row.contentType,
  size: row.size,
  ownerRef: row.ownerRef,
  createdAt: row.createdAt,
});

/**
 * file.v1.FileService over the use cases in services/. Who may call which method is checked
 * around it (callers.ts), where the server is registered.
 */
export function fileService(files: Files, processing: Processing): FileServiceImplementation {
  return {
    createUploads: ({ intents }) =>
      mapErrors(async () => ({ uploads: await files.createUploads(intents) })),

    confirmUploads: ({ fileIds }) =>
      mapErrors(async () => ({
        results: (await files.confirmUploads(fileIds)).map((result) =>
          "confirmed" in result
            ? { fileId: result.fileId, confirmed: fileInfo(result.confirmed) }
            : { fileId: result.fileId, failureReason: result.failureReason },
        ),
      })),

    getDownloadUrls: ({ fileIds }) =>
      mapErrors(async () => ({ urls: await files.downloadUrls(fileIds) })),

    deleteFiles: ({ fileIds }) =>
      mapErrors(async () => ({ deletedFileIds: await files.deleteFiles(fileIds) })),

    completeProcessing: (request) =>
      mapErrors(async () => {
        const { status, failureReason } = await processing.complete(request);
        return { status, failureReason: failureReason ?? "" };
      }),
  };
}
