import { OneOf } from "@hangout/platform/http-schemas";
import { t } from "elysia";
import type { HangoutWithMembership } from "../repositories/hangouts.ts";

export const DateTime = t.String({ format: "date-time" });
export const Nullable = <T extends Parameters<typeof t.Union>[0][number]>(schema: T) =>
  t.Union([schema, t.Null()]);

export const Location = t.Object({
  name: t.String(),
  address: Nullable(t.String()),
  lat: Nullable(t.Number()),
  lng: Nullable(t.Number()),
});

export const HangoutView = t.Object({
  id: t.String({ format: "uuid" }),
  title: t.String(),
  description: Nullable(t.String()),
  location: Nullable(Location),
  startsAt: DateTime,
  endsAt: Nullable(DateTime),
  status: OneOf(["planning", "confirmed", "done", "cancelled"]),
  ownerId: t.String({ format: "uuid" }),
  memberCount: t.Integer(),
  myRsvp: OneOf(["going", "maybe", "declined", "pending"]),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const hangoutView = ({ hangout: h, membership }: HangoutWithMembership) => ({
  id: h.id,
  title: h.title,
  description: h.description,
  location:
    h.locationName === null
      ? null
      : {
          name: h.locationName,
          address: h.locationAddress,
          lat: h.locationLat,
          lng: h.locationLng,
        },
  startsAt: h.startsAt.toISOString(),
  endsAt: h.endsAt?.toISOString() ?? null,
  status: h.status,
  ownerId: h.ownerId,
  memberCount: h.memberCount,
  myRsvp: membership.rsvp,
  createdAt: h.createdAt.toISOString(),
  updatedAt: h.updatedAt.toISOString(),
});
