import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, TLSSocket } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { ClientError, createChannel, createClient, Status } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import type { CertificateManager } from "../certificates/certificate-manager.ts";
import { x509 } from "../certificates/pem.ts";
import { createPool } from "../db.ts";
import { createLogger } from "../logger.ts";
import { freePort } from "../testing/ports.ts";
import { startTestCa, type TestCa } from "../testing/step-ca.ts";
import { createMtlsChannel } from "./client.ts";
import { EchoDefinition, type EchoRequest } from "./echo-service.ts";
import { createGrpcServer } from "./server.ts";

// Real step-ca certificates, real grpc-js over mTLS on loopback: the file service's shape
// (only `hangout` may call it) with the health service as the method under test.
const logger = createLogger({ service: "test", level: "silent" });
let testCa: TestCa;
const managers: Record<string, CertificateManager> = {};
let server: ReturnType<typeof createGrpcServer>;
let target: string;

beforeAll(async () => {
  testCa = await startTestCa();
  for (const service of ["file", "hangout", "auth"]) {
    managers[service] = await testCa.managerFor(service);
    await managers[service].start();
  }
  server = createGrpcServer({ certificates: managers.file!, allowedCallers: ["hangout"], logger });
  target = `localhost:${await server.listen("127.0.0.1:0")}`;
}, 600_000);

afterAll(async () => {
  await server?.shutdown();
  for (const manager of Object.values(managers)) manager.stop();
  await testCa?.stop();
});

const check = (channel: ReturnType<typeof createChannel>) =>
  createClient(HealthDefinition, channel).check(
    { service: "" },
    { signal: AbortSignal.timeout(3000) },
  );

/** The serial of the certificate the server presents to a brand-new TLS connection. */
function serverSerial(port: number): Promise<string> {
  const hangout = managers.hangout!.certificate!;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      servername: "file",
      ca: testCa.ca.rootPem,
      cert: hangout.chainPem,
      key: hangout.keyPem,
      ALPNProtocols: ["h2"],
    });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerCertificate().serialNumber.toLowerCase().replace(/^0+/, ""));
      socket.destroy();
    });
    socket.once("error", reject);
  });
}
const normalize = (serial: string) => serial.toLowerCase().replace(/^0+/, "");

describe("gRPC over mTLS", () => {
  test("the allowed identity (hangout) is served", async () => {
    const channel = createMtlsChannel(target, "file", managers.hangout!);
    try {
      expect((await check(channel)).status).toBe(1); // SERVING
    } finally {
      channel.close();
    }
  });

  test("the caller's certificate is read once per connection, not on every call", async () => {
    const original = TLSSocket.prototype.getPeerCertificate;
    let reads = 0;
    TLSSocket.prototype.getPeerCertificate = function (this: TLSSocket, detailed?: boolean) {
      reads++;
      return original.call(this, detailed);
    } as typeof original;
    try {
      for (const connection of [1, 2]) {
        const before = reads;
        const channel = createMtlsChannel(target, "file", managers.hangout!);
        try {
          // The first call connects: the client checks the server's certificate, the server
          // reads the client's. Later calls on the connection read nothing.
          expect((await check(channel)).status).toBe(1);
          const connected = reads;
          for (let call = 0; call < 4; call++) expect((await check(channel)).status).toBe(1);
          expect({ connection, first: connected > before, later: reads - connected }).toEqual({
            connection,
            first: true,
            later: 0,
          });
        } finally {
          channel.close();
        }
      }
      // Per connection, not per process: another identity on its own connection is refused.
      const auth = createMtlsChannel(target, "file", managers.auth!);
      try {
        await expect(check(auth)).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });
      } finally {
        auth.close();
      }
    } finally {
      TLSSocket.prototype.getPeerCertificate = original;
    }
  });

  test("a valid certificate of another identity (auth) gets PERMISSION_DENIED", async () => {
    const channel = createMtlsChannel(target, "file", managers.auth!);
    try {
      await check(channel);
      throw new Error("expected PERMISSION_DENIED");
    } catch (error) {
      expect((error as { code: Status }).code).toBe(Status.PERMISSION_DENIED);
    } finally {
      channel.close();
    }
  });

  test("a client without a certificate cannot connect", async () => {
    const channel = createChannel(
      target,
      grpc.credentials.createSsl(Buffer.from(testCa.ca.rootPem)),
      {
        "grpc.ssl_target_name_override": "file",
      },
    );
    try {
      await expect(check(channel)).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    } finally {
      channel.close();
    }
  });

  test("a certificate from another CA, even naming hangout, cannot connect", async () => {
    const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const keys = (await crypto.subtle.generateKey(algorithm, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const foreign = await x509.X509CertificateGenerator.createSelfSigned({
      name: "CN=hangout",
      keys,
      signingAlgorithm: algorithm,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 600_000),
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "hangout" }])],
    });
    const keyPem = x509.PemConverter.encode(
      await crypto.subtle.exportKey("pkcs8", keys.privateKey),
      "PRIVATE KEY",
    );
    const channel = createChannel(
      target,
      grpc.credentials.createSsl(
        Buffer.from(testCa.ca.rootPem),
        Buffer.from(keyPem),
        Buffer.from(foreign.toString("pem")),
      ),
      { "grpc.ssl_target_name_override": "file" },
    );
    try {
      await expect(check(channel)).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    } finally {
      channel.close();
    }
  });

  test("an existing channel moves to a renewed client certificate after the max connection age", async () => {
    const calls: { serial: string }[] = [];
    const recording = createLogger({
      service: "test",
      level: "debug",
      destination: { write: (line: string) => void calls.push(JSON.parse(line)) },
    });
    const aged = createGrpcServer({
      certificates: managers.file!,
      allowedCallers: ["hangout"],
      logger: recording,
      maxConnectionAgeMs: 1000,
    });
    const channel = createMtlsChannel(
      `localhost:${await aged.listen("127.0.0.1:0")}`,
      "file",
      managers.hangout!,
    );
    const lastSerial = () => normalize(calls.at(-1)!.serial);
    try {
      await check(channel);
      const first = lastSerial();
      expect(first).toBe(normalize(managers.hangout!.certificate!.serial));
      await managers.hangout!.renew();
      await check(channel);
      expect(lastSerial()).toBe(first); // same connection, old certificate
      await Bun.sleep(1500);
      await check(channel);
      expect(lastSerial()).toBe(normalize(managers.hangout!.certificate!.serial));
      expect(lastSerial()).not.toBe(first);
    } finally {
      channel.close();
      await aged.shutdown();
    }
  });

  test("a handler whose database is down answers UNAVAILABLE; a bug stays UNKNOWN", async () => {
    const dead = createPool(`mysql://hangout:hangout@127.0.0.1:${freePort()}/gone`);
    const dependent = createGrpcServer({
      certificates: managers.file!,
      allowedCallers: ["hangout"],
      logger,
    });
    dependent.server.add(EchoDefinition, {
      async echo(request: EchoRequest) {
        if (request.text === "bug") throw new Error("a bug");
        await dead.query("SELECT 1");
        return { text: request.text, traceId: "", spanId: "", caller: null };
      },
    });
    const channel = createMtlsChannel(
      `localhost:${await dependent.listen("127.0.0.1:0")}`,
      "file",
      managers.hangout!,
    );
    const codeOf = (text: string) =>
      createClient(EchoDefinition, channel)
        .echo({ text })
        .then(
          () => Status.OK,
          (error) => (error instanceof ClientError ? error.code : undefined),
        );
    try {
      expect(await codeOf("query")).toBe(Status.UNAVAILABLE);
      expect(await codeOf("bug")).toBe(Status.UNKNOWN);
    } finally {
      channel.close();
      await dependent.shutdown();
      await dead.end();
    }
  });

  test("a renewed server certificate reaches new connections without a restart", async () => {
    const port = Number(target.split(":")[1]);
    const before = await serverSerial(port);
    expect(before).toBe(normalize(managers.file!.certificate!.serial));
    await managers.file!.renew();
    const after = normalize(managers.file!.certificate!.serial);
    expect(after).not.toBe(before);
    expect(await serverSerial(port)).toBe(after);
    // Calls keep working across the swap.
    const channel = createMtlsChannel(target, "file", managers.hangout!);
    try {
      expect((await check(channel)).status).toBe(1);
    } finally {
      channel.close();
    }
  });
});
