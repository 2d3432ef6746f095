/**
 * The owner's invitations: a form taking any number of addresses, what became of each, and the
 * invitations still waiting for their address to sign up.
 */
import { useState } from "preact/hooks";
import { call, hangoutApi } from "../../api/client.ts";
import type { Invitation } from "../../api/types.ts";
import { formatWhen } from "../../components/dates.ts";
import { Field, FormError } from "../../components/field.tsx";
import { useSubmit } from "../../components/use-form.ts";
import { namingAddresses, noAddress, splitEmails } from "./emails.ts";
import type { Section } from "./use-section.ts";

interface InviteResult {
  invited: string[];
  alreadyMembers: string[];
  pendingEmails: string[];
}

const people = (n: number) => `${n} ${n === 1 ? "person" : "people"}`;

function Outcome({ result }: { result: InviteResult | undefined }) {
  return (
    <div class="invite-result" role="status">
      {result && result.invited.length > 0 && (
        <p>Invited {people(result.invited.length)} with an account: they are members now.</p>
      )}
      {result && result.alreadyMembers.length > 0 && (
        <p>{people(result.alreadyMembers.length)} already in the hangout.</p>
      )}
      {result && result.pendingEmails.length > 0 && (
        <p>
          Invited by email, pending sign-up: {result.pendingEmails.join(", ")}. They join when they
          sign up.
        </p>
      )}
    </div>
  );
}

export function InviteForm({ hangoutId, onInvited }: { hangoutId: string; onInvited(): void }) {
  const [text, setText] = useState("");
  const [result, setResult] = useState<InviteResult | undefined>();
  const form = useSubmit(async () => {
    const emails = splitEmails(text);
    setResult(undefined);
    if (emails.length === 0) throw noAddress();
    try {
      const outcome = await call(() =>
        hangoutApi.POST("/hangouts/{id}/invites", {
          params: {
            path: { id: hangoutId },
            header: { "idempotency-key": crypto.randomUUID() },
          },
          body: { emails },
        }),
      );
      setResult(outcome);
      setText("");
      onInvited();
    } catch (error) {
      throw namingAddresses(error, emails);
    }
  });
  return (
    <form class="invite" onSubmit={form.submit} noValidate>
      <FormError message={form.formError} />
      <Field
        label="Invite by email"
        name="emails"
        multiline
        hint="Separate addresses with commas, spaces or new lines."
        value={text}
        error={form.fieldErrors.emails}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <div class="actions">
        <button type="submit" disabled={form.busy}>
          Invite
        </button>
      </div>
      <Outcome result={result} />
    </form>
  );
}

/** The owner's list of addresses invited that have no account yet. */
export function PendingInvitations({ section }: { section: Section<Invitation> }) {
  if (section.error) {
    return (
      <p class="form-error" role="alert">
        {section.error}
      </p>
    );
  }
  if (!section.items?.length) return null;
  return (
    <>
      <h3>Pending invitations</h3>
      <ul class="invitations">
        {section.items.map((invitation) => (
          <li key={invitation.id}>
            <span class="email">{invitation.email}</span> <span class="badge pending">Pending</span>{" "}
            <span class="hint">
              until <time dateTime={invitation.expiresAt}>{formatWhen(invitation.expiresAt)}</time>
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
