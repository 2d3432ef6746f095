import { callerOf } from "@hangout/platform/grpc/server";
import type { FileServiceImplementation } from "@hangout/proto/file/v1/file";
import { type CallContext, ServerError, Status } from "nice-grpc";

type Method = keyof FileServiceImplementation;

/**
 * Who may call each method (least privilege): hangout manages uploads, media only reports on the
 * photos it processed. Typed over every method, so a new one cannot be added without a decision.
 */
export const METHOD_CALLERS: Record<Method, readonly string[]> = {
  createUploads: ["hangout"],
  confirmUploads: ["hangout"],
  getDownloadUrls: ["hangout"],
  deleteFiles: ["hangout"],
  completeProcessing: ["media"],
};

/** The identities the server lets connect at all (it also checks them, before any method). */
export const ALLOWED_CALLERS = [...new Set(Object.values(METHOD_CALLERS).flat())];

const pascal = (method: string) => method[0]?.toUpperCase() + method.slice(1);

/** Wraps every method so a caller not listed for it gets PERMISSION_DENIED before the handler. */
export function perMethodCallers(
  implementation: FileServiceImplementation,
): FileServiceImplementation {
  const guarded = {} as Record<Method, unknown>;
  for (const method of Object.keys(METHOD_CALLERS) as Method[]) {
    const handler = implementation[method] as (request: unknown, context: CallContext) => unknown;
    guarded[method] = async (request: unknown, context: CallContext) => {
      const caller = callerOf(context);
      if (!caller || !METHOD_CALLERS[method].includes(caller)) {
        throw new ServerError(
          Status.PERMISSION_DENIED,
          `caller ${caller ?? "(unknown)"} may not call FileService/${pascal(method)}`,
        );
      }
      return handler.call(implementation, request, context);
    };
  }
  return guarded as FileServiceImplementation;
}
