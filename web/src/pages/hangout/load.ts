/** The reads of the hangout page: the hangout, and each section's whole list. */
import { call, hangoutApi } from "../../api/client.ts";
import type { Activity, Hangout, Invitation, Member } from "../../api/types.ts";

/** Pages read for a list: a hangout with more people than this shows the first ones. */
const MAX_PAGES = 10;

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

async function allPages<T>(read: (query: { limit: string; cursor?: string }) => Promise<Page<T>>) {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data = await read({ limit: "100", ...(cursor ? { cursor } : {}) });
    items.push(...data.items);
    if (!data.nextCursor) break;
    cursor = data.nextCursor;
  }
  return items;
}

export const fetchHangout = (id: string): Promise<Hangout> =>
  call(() => hangoutApi.GET("/hangouts/{id}", { params: { path: { id } } }));

export const fetchMembers = (id: string): Promise<Member[]> =>
  allPages((query) =>
    call(() => hangoutApi.GET("/hangouts/{id}/members", { params: { path: { id }, query } })),
  );

export const fetchInvitations = (id: string): Promise<Invitation[]> =>
  allPages((query) =>
    call(() => hangoutApi.GET("/hangouts/{id}/invitations", { params: { path: { id }, query } })),
  );

export const fetchActivities = async (id: string): Promise<Activity[]> =>
  (await call(() => hangoutApi.GET("/hangouts/{id}/activities", { params: { path: { id } } })))
    .items;
