import { describe, expect, test } from "bun:test";
import { RotatingCertificateProvider } from "./certificate-provider.ts";

describe("RotatingCertificateProvider", () => {
  test("a new listener gets the current value asynchronously, as grpc-js requires", async () => {
    const provider = new RotatingCertificateProvider();
    provider.update("root", "chain-1", "key-1");
    const seen: string[] = [];
    provider.addIdentityCertificateListener((u) => seen.push(String(u?.certificate)));
    provider.addCaCertificateListener((u) => seen.push(String(u?.caCertificate)));
    expect(seen).toEqual([]);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(seen.sort()).toEqual(["chain-1", "root"]);
  });

  test("updates reach every listener until it is removed", () => {
    const provider = new RotatingCertificateProvider();
    const a: string[] = [];
    const b: string[] = [];
    const listenerA = (u: { certificate: Buffer; privateKey: Buffer } | null) =>
      a.push(`${u?.certificate}/${u?.privateKey}`);
    provider.addIdentityCertificateListener(listenerA);
    provider.addIdentityCertificateListener((u) => b.push(String(u?.certificate)));
    provider.update("root", "chain-1", "key-1");
    provider.removeIdentityCertificateListener(listenerA);
    provider.update("root", "chain-2", "key-2");
    expect(a).toEqual(["chain-1/key-1"]);
    expect(b).toEqual(["chain-1", "chain-2"]);
  });
});
