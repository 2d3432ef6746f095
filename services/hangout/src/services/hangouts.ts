import { AppError, invalidFields } from "@hangout/platform/errors";
import type { HangoutStatus } from "../db/schema.ts";
import type {
  HangoutRow,
  HangoutsRepository,
  HangoutWithMembership,
  NewHangoutRow,
} from "../repositories/hangouts.ts";
import type { Access } from "./access.ts";
import { hangoutEvent, iso } from "./events.ts";

export interface LocationInput {
  name: string;
  address?: string;
  lat?: number;
  lng?: number;
}

export interface HangoutInput {
  title: string;
  description?: string | null;
  location?: LocationInput | null;
  startsAt: string;
  endsAt?: string | null;
}

export type HangoutPatch = Partial<HangoutInput> & { status?: HangoutStatus };

const PATCH_FIELDS = [
  "title",
  "description",
  "location",
  "startsAt",
  "endsAt",
  "status",
] as const satisfies (keyof HangoutPatch)[];

/** Allowed status moves; anything else is a 409. */
const TRANSITIONS: Record<HangoutStatus, HangoutStatus[]> = {
  planning: ["confirmed", "cancelled"],
  confirmed: ["done", "cancelled"],
  done: [],
  cancelled: [],
};

const locationColumns = (location: LocationInput | null) => ({
  locationName: location?.name ?? null,
  locationAddress: location?.address ?? null,
  locationLat: location?.lat ?? null,
  locationLng: location?.lng ?? null,
});

/**
 * An instant the schema accepted. `DateTime` (http-schemas.ts) admits only RFC 3339 values of
 * years 1000–9999 in UTC, which a DATETIME column holds, so the conversion cannot fail.
 */
const parseTime = (value: string) => new Date(value);

function checkTimes(startsAt: Date, endsAt: Date | null) {
  if (endsAt && endsAt.getTime() <= startsAt.getTime()) {
    throw invalidFields([{ path: "/endsAt", message: "must be after startsAt" }]);
  }
}

const sameTime = (a: Date | null, b: Date | null) =>
  (a?.getTime() ?? null) === (b?.getTime() ?? null);

/** The fields whose value an edit changed, in the contract's order. */
function changedFields(before: HangoutRow, after: HangoutRow) {
  const changed: ("title" | "description" | "location" | "startsAt" | "endsAt")[] = [];
  if (before.title !== after.title) changed.push("title");
  if (before.description !== after.description) changed.push("description");
  if (
    before.locationName !== after.locationName ||
    before.locationAddress !== after.locationAddress ||
    before.locationLat !== after.locationLat ||
    before.locationLng !== after.locationLng
  ) {
    changed.push("location");
  }
  if (!sameTime(before.startsAt, after.startsAt)) changed.push("startsAt");
  if (!sameTime(before.endsAt, after.endsAt)) changed.push("endsAt");
  return changed;
}

/** `hangout.updated` when a detail changed, then `hangout.status-changed` when it moved. */
function updateEvents(before: HangoutRow, after: HangoutRow, actorId: string) {
  const changed = changedFields(before, after);
  const hangoutId = before.id;
  return [
    ...(changed.length
      ? [
          hangoutEvent("dev.hangout-planner.hangout.updated.v1", {
            hangoutId,
            actorId,
            changed,
            title: after.title,
            startsAt: iso(after.startsAt),
            endsAt: after.endsAt && iso(after.endsAt),
            locationName: after.locationName,
          }),
        ]
      : []),
    ...(before.status !== after.status
      ? [
          hangoutEvent("dev.hangout-planner.hangout.status-changed.v1", {
            hangoutId,
            actorId,
            from: before.status,
            to: after.status,
            title: after.title,
            startsAt: iso(after.startsAt),
          }),
        ]
      : []),
  ];
}

export interface HangoutsDeps {
  repo: HangoutsRepository;
  access: Access;
  clock: () => Date;
  /** Removes the hangout's memories and their files (see services/memories.ts). */
  purgeMemories: (hangoutId: string) => Promise<void>;
}

export function createHangouts({ repo, access, clock, purgeMemories }: HangoutsDeps) {
  return {
    async create(userId: string, input: HangoutInput): Promise<HangoutWithMembership> {
      const now = clock();
      const startsAt = parseTime(input.startsAt);
      const endsAt = input.endsAt ? parseTime(input.endsAt) : null;
      checkTimes(startsAt, endsAt);
      const hangout: NewHangoutRow = {
        id: Bun.randomUUIDv7(),
        ownerId: userId,
        title: input.title,
        description: input.description ?? null,
        ...locationColumns(input.location ?? null),
        startsAt,
        endsAt,
        status: "planning",
        memberCount: 1,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      };
      const membership = {
        hangoutId: hangout.id,
        userId,
        role: "owner" as const,
        rsvp: "going" as const,
        joinedAt: now,
      };
      await repo.insertWithOwner(hangout, membership, [
        hangoutEvent("dev.hangout-planner.hangout.created.v1", {
          hangoutId: hangout.id,
          ownerId: userId,
          title: hangout.title,
          startsAt: iso(startsAt),
          endsAt: endsAt && iso(endsAt),
          locationName: hangout.locationName ?? null,
          status: "planning",
        }),
      ]);
      return access.member(hangout.id, userId);
    },

    get: (hangoutId: string, userId: string) => access.member(hangoutId, userId),

    list: (
      userId: string,
      options: { status?: HangoutStatus; after?: { startsAt: Date; id: string }; limit: number },
    ) => repo.listForMember(userId, options),

    async update(hangoutId: string, userId: string, patch: HangoutPatch) {
      const { hangout: seen } = await access.owner(hangoutId, userId);
      if (PATCH_FIELDS.every((field) => patch[field] === undefined)) {
        // The schema's minProperties is not enforced once unknown fields are stripped.
        throw invalidFields([{ path: "/", message: "must change at least one field" }]);
      }
      const newStartsAt = patch.startsAt ? parseTime(patch.startsAt) : undefined;
      const newEndsAt =
        patch.endsAt === undefined ? undefined : patch.endsAt ? parseTime(patch.endsAt) : null;
      // Planned against the row as locked, so the events name exactly what this change did.
      const updated = await repo.updateLocked(hangoutId, (current) => {
        const startsAt = newStartsAt ?? current.startsAt;
        const endsAt = newEndsAt === undefined ? current.endsAt : newEndsAt;
        checkTimes(startsAt, endsAt);
        const changes: Partial<NewHangoutRow> = { updatedAt: clock() };
        if (patch.title !== undefined) changes.title = patch.title;
        if (patch.description !== undefined) changes.description = patch.description;
        if (patch.location !== undefined) Object.assign(changes, locationColumns(patch.location));
        if (patch.startsAt !== undefined) changes.startsAt = startsAt;
        if (patch.endsAt !== undefined) changes.endsAt = endsAt;
        if (patch.status !== undefined && patch.status !== seen.status) {
          if (!TRANSITIONS[seen.status].includes(patch.status)) {
            throw new AppError(
              "conflict",
              `A ${seen.status} hangout cannot become ${patch.status}`,
            );
          }
          // Of two racing moves from the status both callers saw, only the first wins.
          if (current.status !== seen.status) {
            throw new AppError("conflict", "The hangout's status changed meanwhile; reload it");
          }
          changes.status = patch.status;
        }
        return { changes, events: updateEvents(current, { ...current, ...changes }, userId) };
      });
      if (!updated) throw new AppError("not_found", "No such hangout");
      return access.member(hangoutId, userId);
    },

    /** Hidden at once; its memories' files are deleted, then the rows (see purgeMemories). */
    async remove(hangoutId: string, userId: string) {
      await access.owner(hangoutId, userId);
      const deleted = await repo.markDeleted(hangoutId, clock(), (hangout, memberIds) => [
        hangoutEvent("dev.hangout-planner.hangout.deleted.v1", {
          hangoutId: hangout.id,
          actorId: userId,
          title: hangout.title,
          startsAt: iso(hangout.startsAt),
          memberIds,
        }),
      ]);
      // Deleted meanwhile by another request, which purges it.
      if (!deleted) throw new AppError("not_found", "No such hangout");
      await purgeMemories(hangoutId);
    },
  };
}

export type Hangouts = ReturnType<typeof createHangouts>;
