import { DateTime, OneOf, Text } from "@hangout/platform/http-schemas";
import { t } from "elysia";

export const LocationBody = t.Object(
  {
    name: Text(1, 200),
    address: t.Optional(Text(0, 300)),
    lat: t.Optional(t.Number({ minimum: -90, maximum: 90 })),
    lng: t.Optional(t.Number({ minimum: -180, maximum: 180 })),
  },
  { additionalProperties: false },
);

export const createFields = {
  title: Text(1, 120),
  description: t.Optional(t.Union([Text(0, 5000), t.Null()])),
  location: t.Optional(t.Union([LocationBody, t.Null()])),
  startsAt: DateTime,
  endsAt: t.Optional(t.Union([DateTime, t.Null()])),
};

export const CreateHangoutBody = t.Object(createFields, { additionalProperties: false });

export const UpdateHangoutBody = t.Object(
  {
    title: t.Optional(createFields.title),
    description: createFields.description,
    location: createFields.location,
    startsAt: t.Optional(DateTime),
    endsAt: createFields.endsAt,
    status: t.Optional(OneOf(["planning", "confirmed", "done", "cancelled"])),
  },
  { additionalProperties: false, minProperties: 1 },
);
