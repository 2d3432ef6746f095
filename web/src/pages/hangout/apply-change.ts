/**
 * Where each change of the hangout's stream goes: the resource it carries (the hangout, a member,
 * an activity) replaces the page's copy; a change that carries none has its section loaded
 * again; memory changes go to the photos.
 */
import type { LiveChange } from "../../api/live.ts";
import type { Activity, Hangout, Member } from "../../api/types.ts";

export interface LiveTarget {
  myId: string;
  isOwner: boolean;
  setHangout(hangout: Hangout): void;
  reload(): void;
  /** The caller can no longer see the hangout: `deleted`, `left` or `removed`. */
  end(reason: string): void;
  upsertMember(member: Member): void;
  removeMember(userId: string): void;
  loadMembers(): void;
  loadInvitations(): void;
  upsertActivity(activity: Activity): void;
  loadActivities(): void;
  memoryChanged(change: LiveChange): void;
}

export function applyChange(change: LiveChange, to: LiveTarget): void {
  const { type } = change;
  if (type === "hangout.deleted") {
    to.end("deleted");
  } else if (type.startsWith("hangout.")) {
    const hangout = change.hangout as Hangout | undefined;
    if (hangout) to.setHangout(hangout);
    else to.reload();
  } else if (type === "member.left" || type === "member.removed") {
    const userId = change.userId as string;
    if (userId === to.myId) to.end(type === "member.left" ? "left" : "removed");
    else to.removeMember(userId);
  } else if (type.startsWith("member.") || type === "rsvp.changed") {
    const member = change.member as Member | undefined;
    if (member) to.upsertMember(member);
    else to.loadMembers();
    // A pending invitation taken up leaves the owner's list of them.
    if (to.isOwner && type === "member.joined") to.loadInvitations();
  } else if (type.startsWith("activity.")) {
    const activity = change.activity as Activity | undefined;
    if (activity) to.upsertActivity(activity);
    else to.loadActivities();
  } else if (type.startsWith("memory.")) {
    // A new object each time, so the photos' effect runs for every change.
    to.memoryChanged({ ...change });
  }
}
