import { CALLER_METADATA_KEY } from "@hangout/platform/grpc/server";
import type { FileServiceClient, FileServiceImplementation } from "@hangout/proto/file/v1/file";
import { type CallContext, Metadata } from "nice-grpc";

/**
 * The handlers as a client of `caller` would reach them through the server, whose interceptor
 * puts the verified identity in the metadata; for an identity the test CA cannot certify.
 */
export function handlersAs(caller: string, handlers: FileServiceImplementation): FileServiceClient {
  const context = {
    metadata: Metadata({ [CALLER_METADATA_KEY]: caller }),
    peer: "test",
    header: Metadata(),
    sendHeader: () => undefined,
    trailer: Metadata(),
    signal: new AbortController().signal,
  } as unknown as CallContext;
  return new Proxy({} as FileServiceClient, {
    get: (_, method: keyof FileServiceImplementation) => (request: never) =>
      handlers[method](request, context),
  });
}
