/**
 * Which emails the signed-in person gets (invitations, updates, reminders). Every email's footer
 * links here; its unsubscribe link turns one kind off without signing in.
 */
import { useEffect, useState } from "preact/hooks";
import { call, notificationApi } from "../api/client.ts";
import { messageOf } from "../api/problem.ts";
import type { Preferences } from "../api/types.ts";
import { FormError } from "../components/field.tsx";
import { useSubmit } from "../components/use-form.ts";

const KINDS: { key: keyof Preferences; label: string; hint: string }[] = [
  { key: "invitation", label: "Invitations", hint: "When someone invites you to a hangout." },
  {
    key: "update",
    label: "Changes",
    hint: "When a hangout you are going to is confirmed, cancelled, moved or rescheduled.",
  },
  { key: "reminder", label: "Reminders", hint: "Shortly before a hangout you are going to." },
];

export function Settings() {
  const [saved, setSaved] = useState<Preferences | undefined>();
  const [draft, setDraft] = useState<Preferences | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    call(() => notificationApi.GET("/notifications/preferences")).then(
      (found) => {
        setSaved(found);
        setDraft(found);
      },
      (error) => setLoadError(messageOf(error)),
    );
  }, []);

  const form = useSubmit(async () => {
    if (!draft) return;
    const stored = await call(() =>
      notificationApi.PUT("/notifications/preferences", { body: draft }),
    );
    setSaved(stored);
    setDraft(stored);
    setNotice("Saved.");
  });

  return (
    <section class="narrow">
      <h1>Email settings</h1>
      <FormError message={loadError} />
      {!draft && !loadError && <p class="loading">Loading…</p>}
      {draft && (
        <form onSubmit={form.submit}>
          <FormError message={form.formError} />
          <fieldset>
            <legend>Send me emails about</legend>
            {KINDS.map(({ key, label, hint }) => (
              <div class="check" key={key}>
                <input
                  type="checkbox"
                  id={`pref-${key}`}
                  aria-describedby={`pref-${key}-hint`}
                  checked={draft[key]}
                  onChange={(e) => {
                    setNotice(undefined);
                    setDraft({ ...draft, [key]: e.currentTarget.checked });
                  }}
                />
                <label for={`pref-${key}`}>{label}</label>
                <p class="hint" id={`pref-${key}-hint`}>
                  {hint}
                </p>
              </div>
            ))}
          </fieldset>
          <div class="actions">
            <button
              type="submit"
              disabled={form.busy || JSON.stringify(saved) === JSON.stringify(draft)}
            >
              Save
            </button>
            <output aria-live="polite">{notice}</output>
          </div>
        </form>
      )}
    </section>
  );
}
