/**
 * The People section: the caller's RSVP, everyone with theirs, and what the caller may do
 * about the membership: leave (a member), or invite and remove people (the owner).
 */
import { call, hangoutApi } from "../../api/client.ts";
import type { User } from "../../api/session.ts";
import type { Hangout, Member } from "../../api/types.ts";
import { ConfirmButton } from "./confirm.tsx";
import { InviteForm, PendingInvitations } from "./invite.tsx";
import { RSVP_LABEL, RsvpControl } from "./rsvp.tsx";
import type { HangoutData } from "./use-hangout-data.ts";

const removeMember = (hangoutId: string, userId: string) =>
  call(() =>
    hangoutApi.DELETE("/hangouts/{id}/members/{userId}", {
      params: { path: { id: hangoutId, userId } },
    }),
  );

function Summary({ members }: { members: Member[] }) {
  const count = (rsvp: Member["rsvp"]) => members.filter((m) => m.rsvp === rsvp).length;
  const parts = [
    `${members.length} ${members.length === 1 ? "person" : "people"}`,
    `${count("going")} going`,
    `${count("maybe")} maybe`,
  ];
  return <p class="summary">{parts.join(" · ")}</p>;
}

interface MemberItemProps {
  member: Member;
  me: User;
  isOwner: boolean;
  onRemove(userId: string): Promise<void>;
}

function MemberItem({ member, me, isOwner, onRemove }: MemberItemProps) {
  const mine = member.userId === me.id;
  return (
    <li class="member">
      <span class="name">
        {member.name || "Someone"}
        {mine && " (you)"}
      </span>{" "}
      {member.role === "owner" && <span class="badge role-owner">Organiser</span>}{" "}
      <span class={`badge rsvp-${member.rsvp}`}>{RSVP_LABEL[member.rsvp]}</span>
      {isOwner && !mine && (
        <ConfirmButton
          label={`Remove ${member.name || "this member"}`}
          question={`Remove ${member.name || "this member"} from the hangout?`}
          action={() => onRemove(member.userId)}
        />
      )}
    </li>
  );
}

export interface PeopleProps {
  hangout: Hangout;
  me: User;
  data: HangoutData;
  depart(request: () => Promise<unknown>): Promise<void>;
}

export function People({ hangout, me, data, depart }: PeopleProps) {
  const { members, isOwner } = data;
  const onRemove = async (userId: string) => {
    await removeMember(hangout.id, userId);
    data.removeMember(userId);
  };
  return (
    <section class="section people" aria-labelledby="people-heading">
      <h2 id="people-heading">People</h2>
      <RsvpControl hangoutId={hangout.id} current={hangout.myRsvp} onChanged={data.upsertMember} />
      {members.error && (
        <p class="form-error" role="alert">
          {members.error}
        </p>
      )}
      {!members.items && !members.error && <p class="loading">Loading…</p>}
      {members.items && (
        <>
          <Summary members={members.items} />
          <ul class="members">
            {members.items.map((member) => (
              <MemberItem
                key={member.userId}
                member={member}
                me={me}
                isOwner={isOwner}
                onRemove={onRemove}
              />
            ))}
          </ul>
        </>
      )}
      {isOwner ? (
        <div class="invites">
          <h3>Invite people</h3>
          <InviteForm
            hangoutId={hangout.id}
            onInvited={() => {
              data.members.load();
              data.invitations.load();
            }}
          />
          <PendingInvitations section={data.invitations} />
        </div>
      ) : (
        <div class="actions">
          <ConfirmButton
            label="Leave hangout"
            question="Leave this hangout? You will need a new invitation to come back."
            dismissLabel="No, stay"
            action={() => depart(() => removeMember(hangout.id, me.id))}
          />
        </div>
      )}
    </section>
  );
}
