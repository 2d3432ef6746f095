import { createPool } from "@hangout/platform/db";
import { sha256Base64 } from "@hangout/platform/testing/images";
import { json } from "./common.ts";

// What the hangout section loads: a member's hangouts and an upload request, made and checked
// through the hangout service's public HTTP API, among other people's plans.

/** More than one page of 20, so that `GET /hangouts?limit=20` always returns a full page. */
export const HANGOUTS = 25;
export const PAGE = 20;
export const UPLOAD_FILES = 10;

/**
 * Ten upload intents as a client would send them. No bytes are ever PUT, so the sizes are fixed
 * and every file claims the same (well-formed) SHA-256; the services only check its shape here.
 */
function uploadBody() {
  const formats = [
    ["jpg", "image/jpeg"],
    ["png", "image/png"],
    ["webp", "image/webp"],
    ["gif", "image/gif"],
  ] as const;
  const sha256 = sha256Base64(new TextEncoder().encode("hangout-planner bench photo"));
  return JSON.stringify({
    files: Array.from({ length: UPLOAD_FILES }, (_, i) => {
      const [extension, contentType] = formats[i % formats.length]!;
      return {
        filename: `bench-photo-${i}.${extension}`,
        contentType,
        size: 1_500_000 + i * 1000,
        sha256,
      };
    }),
  });
}

/**
 * HANGOUTS hangouts owned by the member with `accessToken`, each read back, a full page listed
 * and one upload request answered with UPLOAD_FILES upload URLs. Returns the hangouts' ids, the
 * upload path of each and the upload request's body.
 */
export async function seedHangouts(hangoutUrl: string, accessToken: string) {
  const api = (method: string, path: string, body?: string) =>
    fetch(`${hangoutUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
      body,
    });

  const hangoutIds: string[] = [];
  for (let i = 0; i < HANGOUTS; i++) {
    const month = String(1 + (i % 12)).padStart(2, "0");
    const day = String(1 + (i % 28)).padStart(2, "0");
    const created = await json<{ id: string }>(
      await api(
        "POST",
        "/hangouts",
        JSON.stringify({
          title: `Bench hangout ${i + 1}`,
          description: "A hangout the bench reads and uploads memories to.",
          location: { name: "Bench Park", address: "1 Bench Street", lat: 48.85, lng: 2.35 },
          startsAt: `2031-${month}-${day}T18:00:00Z`,
          endsAt: `2031-${month}-${day}T22:00:00Z`,
        }),
      ),
      201,
      `POST /hangouts (${i + 1})`,
    );
    hangoutIds.push(created.id);
  }
  const first = hangoutIds[0]!;
  await json(await api("GET", `/hangouts/${first}`), 200, `GET /hangouts/${first}`);
  const page = await json<{ items: unknown[] }>(
    await api("GET", `/hangouts?limit=${PAGE}`),
    200,
    "GET /hangouts",
  );
  if (page.items.length !== PAGE) {
    throw new Error(`GET /hangouts?limit=${PAGE} returned ${page.items.length} items`);
  }
  // No cap on pending memories or uploads per hangout (services/hangout/src/services/memories.ts,
  // config.ts), but the uploads still go round-robin over every hangout, as many members would.
  const uploadPaths = hangoutIds.map((id) => `/hangouts/${id}/memories/uploads`);
  const body = uploadBody();
  const issued = await json<{ uploads: unknown[] }>(
    await api("POST", uploadPaths[0]!, body),
    201,
    "POST /hangouts/:id/memories/uploads",
  );
  if (issued.uploads.length !== UPLOAD_FILES) {
    throw new Error(`${issued.uploads.length} uploads issued for ${UPLOAD_FILES} files`);
  }
  return { hangoutIds, uploadPaths, uploadBody: body };
}

/** Other people's plans beside the member's: OTHER_USERS owners of HANGOUTS hangouts each. */
export const OTHER_USERS = 400;

/**
 * Writes OTHER_USERS other owners' hangouts straight into hangout's database, as the service
 * writes a new hangout (the row and its owner's membership), so that the member's reads run
 * against a table of many people's plans, not the member's alone. Their starts are spread over
 * the same year as the member's.
 */
export async function seedOtherPlans(hangoutDatabaseUrl: string) {
  const pool = createPool(hangoutDatabaseUrl);
  try {
    const year = Date.UTC(2031, 0, 1);
    for (let u = 0; u < OTHER_USERS; u += 40) {
      const hangouts: unknown[][] = [];
      const members: unknown[][] = [];
      for (let owner = u; owner < u + 40; owner++) {
        const ownerId = Bun.randomUUIDv7();
        for (let i = 0; i < HANGOUTS; i++) {
          const id = Bun.randomUUIDv7();
          const startsAt = new Date(year + (((owner * HANGOUTS + i) * 7_919_000) % 31_536_000_000));
          const now = new Date();
          hangouts.push([id, ownerId, `Plan ${i + 1}`, startsAt, "planning", 1, now, now]);
          members.push([id, ownerId, "owner", "going", now, startsAt]);
        }
      }
      await pool.query(
        "INSERT INTO hangouts (id, owner_id, title, starts_at, status, member_count, created_at, updated_at) VALUES ?",
        [hangouts],
      );
      await pool.query(
        "INSERT INTO members (hangout_id, user_id, role, rsvp, joined_at, starts_at) VALUES ?",
        [members],
      );
    }
    await pool.query("ANALYZE TABLE hangouts, members");
  } finally {
    await pool.end();
  }
}
