import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Metadata, Status } from "nice-grpc";
import { createGrpcClient, createMtlsChannel } from "./client.ts";
import { EchoDefinition, echoService } from "./echo-service.ts";
import { codeOf, logger, useLocalCa } from "./local-ca.fixture.ts";
import { CALLER_METADATA_KEY, createGrpcServer } from "./server.ts";

// Real grpc-js over mTLS on loopback with certificates from the local CA.
const { managers } = useLocalCa();

describe("gRPC clients", () => {
  let server: ReturnType<typeof createGrpcServer>;
  let target: string;
  beforeAll(async () => {
    server = createGrpcServer({
      certificates: managers.file!,
      allowedCallers: ["hangout"],
      logger,
    });
    server.server.add(EchoDefinition, echoService());
    target = `localhost:${await server.listen("127.0.0.1:0")}`;
  });
  afterAll(() => server?.shutdown());

  test("the handler learns the verified caller; a caller cannot claim another identity", async () => {
    const channel = createMtlsChannel(target, "file", managers.hangout!);
    try {
      const echo = createGrpcClient(EchoDefinition, channel);
      expect((await echo.echo({ text: "a" })).caller).toBe("hangout");
      const spoofed = await echo.echo(
        { text: "a" },
        { metadata: Metadata({ [CALLER_METADATA_KEY]: "admin" }) },
      );
      expect(spoofed.caller).toBe("hangout");
    } finally {
      channel.close();
    }
  });

  test("a call without a deadline gets the default one; a call's own deadline wins", async () => {
    const channel = createMtlsChannel(target, "file", managers.hangout!);
    try {
      const echo = createGrpcClient(EchoDefinition, channel, { timeoutMs: 200 });
      expect(await codeOf(echo.echo({ text: "fast" }))).toBe(Status.OK);
      const started = performance.now();
      expect(await codeOf(echo.echo({ text: "slow", delayMs: 1000 }))).toBe(
        Status.DEADLINE_EXCEEDED,
      );
      expect(performance.now() - started).toBeLessThan(800);
      const later = new Date(Date.now() + 3000);
      expect(await codeOf(echo.echo({ text: "slow", delayMs: 400 }, { deadline: later }))).toBe(
        Status.OK,
      );
      const soon = new Date(Date.now() + 100);
      const unlimited = createGrpcClient(EchoDefinition, channel, { timeoutMs: 0 });
      expect(await codeOf(unlimited.echo({ text: "slow", delayMs: 400 }, { deadline: soon }))).toBe(
        Status.DEADLINE_EXCEEDED,
      );
      // A caller's own abort is still an abort, not a deadline.
      const controller = new AbortController();
      const aborted = echo.echo({ text: "slow", delayMs: 1000 }, { signal: controller.signal });
      controller.abort();
      await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      channel.close();
    }
  });
});
