import { expect, test } from "bun:test";
import { base64url, exportJWK, generateKeyPair, SignJWT } from "jose";
import { type AuthHarness, expectProblem } from "./harness.ts";

/**
 * The attacks every Bearer-authenticated route must refuse with 401. Each route's test file
 * runs them (Unkey-style shared security checks), so a new route cannot skip them.
 */
export interface PreparedCall {
  /** The user the forged tokens name. */
  userId: string;
  send(headers: Record<string, string>): Promise<Response>;
}

export function runTokenAttackTests(
  getAuth: () => AuthHarness,
  prepare: (auth: AuthHarness) => Promise<PreparedCall>,
) {
  // `forge` prepares a fresh call for the token it makes; `refused` uses that one, or prepares
  // its own when the test sends no forged token.
  let prepared: PreparedCall | undefined;
  const call = async (auth: AuthHarness, headers: Record<string, string>) => {
    const current = prepared ?? (await prepare(auth));
    prepared = undefined;
    return current.send(headers);
  };
  const forge = async (
    auth: AuthHarness,
    change: { iss?: string; aud?: string; exp?: number; key?: CryptoKey; kid?: string } = {},
  ) => {
    const target = await prepare(auth);
    prepared = target;
    const jwks = (await (await auth.get("/.well-known/jwks.json")).json()) as {
      keys: { kid: string }[];
    };
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: change.kid ?? jwks.keys[0]!.kid })
      .setSubject(target.userId)
      .setIssuer(change.iss ?? "hangout-planner-auth")
      .setAudience(change.aud ?? "hangout-planner")
      .setIssuedAt(now - 3600)
      .setExpirationTime(change.exp ?? now + 600)
      .sign(change.key ?? auth.privateKey);
  };
  const refused = async (auth: AuthHarness, headers: Record<string, string>) => {
    const problem = await expectProblem(await call(auth, headers), 401);
    const presented = headers.authorization?.split(" ")[1];
    if (presented) expect(JSON.stringify(problem)).not.toContain(presented);
  };

  test("a correctly forged control token is accepted (the attacks below differ in one thing)", async () => {
    const auth = getAuth();
    const response = await call(auth, { authorization: `Bearer ${await forge(auth)}` });
    expect(response.status).toBeLessThan(400);
  });
  test("401 without an Authorization header", async () => {
    await refused(getAuth(), {});
  });
  test("401 for a non-Bearer scheme and for garbage", async () => {
    const auth = getAuth();
    await refused(auth, { authorization: `Basic ${btoa("a:b")}` });
    await refused(auth, { authorization: "Bearer not.a.jwt" });
  });
  test("401 for an expired token", async () => {
    const auth = getAuth();
    const token = await forge(auth, { exp: Math.floor(Date.now() / 1000) - 5 });
    await refused(auth, { authorization: `Bearer ${token}` });
  });
  test("401 for a wrong issuer and a wrong audience", async () => {
    const auth = getAuth();
    await refused(auth, { authorization: `Bearer ${await forge(auth, { iss: "evil" })}` });
    await refused(auth, { authorization: `Bearer ${await forge(auth, { aud: "other-app" })}` });
  });
  test("401 for a token signed by another key under the same kid, and for an unknown kid", async () => {
    const auth = getAuth();
    const { privateKey } = await generateKeyPair("ES256");
    await refused(auth, { authorization: `Bearer ${await forge(auth, { key: privateKey })}` });
    const unknownKid = await forge(auth, { key: privateKey, kid: "attacker-key" });
    await refused(auth, { authorization: `Bearer ${unknownKid}` });
  });
  test('401 for alg "none"', async () => {
    const auth = getAuth();
    const [, payload] = (await forge(auth)).split(".");
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
    await refused(auth, { authorization: `Bearer ${header}.${payload}.` });
  });
  test("401 for HS256 signed with the public key as the HMAC secret", async () => {
    const auth = getAuth();
    const jwks = (await (await auth.get("/.well-known/jwks.json")).json()) as {
      keys: { kid: string }[];
    };
    const jwk = jwks.keys[0]!;
    for (const secret of [JSON.stringify(jwk), JSON.stringify(await exportJWK(auth.privateKey))]) {
      prepared = await prepare(auth);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: "HS256", kid: jwk.kid })
        .setSubject(prepared.userId)
        .setIssuer("hangout-planner-auth")
        .setAudience("hangout-planner")
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(new TextEncoder().encode(secret));
      await refused(auth, { authorization: `Bearer ${token}` });
    }
  });
  test("401 for a tampered payload", async () => {
    const auth = getAuth();
    const [header, , signature] = (await forge(auth)).split(".");
    const payload = base64url.encode(
      JSON.stringify({ sub: "someone-else", iss: "hangout-planner-auth", aud: "hangout-planner" }),
    );
    await refused(auth, { authorization: `Bearer ${header}.${payload}.${signature}` });
  });
}
