import { t } from "elysia";

/**
 * Free text is stored as given and returned as JSON strings (never rendered as HTML here), but
 * control characters are refused, except tab and newlines (LF, CR).
 */
const ALLOWED = "[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]";

/** Text of `minLength` to `maxLength` characters; when required, not only whitespace. */
export const Text = (minLength: number, maxLength: number) =>
  t.String({
    minLength,
    maxLength,
    pattern: minLength > 0 ? `^(?=[\\s\\S]*\\S)${ALLOWED}*$` : `^${ALLOWED}*$`,
  });
