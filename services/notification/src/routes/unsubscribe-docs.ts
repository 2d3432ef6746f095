import { t } from "elysia";
import { MAX_TOKEN_LENGTH } from "../services/unsubscribe-tokens.ts";

/*
 * The OpenAPI description of the unsubscribe routes. They answer HTML pages, which the schema
 * generator cannot describe from a response schema, so their responses are written out here.
 */

export const TOKEN_DESCRIPTION =
  "The token of the email's unsubscribe link: who it was sent to and which kind of email; signed by this service";

export const TokenQuery = t.Object({
  token: t.String({ minLength: 1, maxLength: MAX_TOKEN_LENGTH, description: TOKEN_DESCRIPTION }),
});

const page = (description: string) => ({
  description,
  content: { "text/html": { schema: { type: "string" as const } } },
});

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

export const pageResponses = {
  "200": page("A page naming what the link turns off, with the button that does it (a form POST)"),
  "400": {
    description:
      "The link is not valid (forged, or cut short on the way); nothing changed. A page for a client that accepts text/html (a browser), the problem otherwise",
    content: { ...problem("").content, ...page("").content },
  },
};

export const oneClickResponses = {
  "200": page("Done: a page saying which emails stop; doing it again changes nothing more"),
  "400": problem(
    "The token is not one this service signed (forged, or cut short), or the form is malformed",
  ),
  "415": problem("The body is not a form (application/x-www-form-urlencoded)"),
  "422": problem(
    "The token is missing, or the body is not `List-Unsubscribe=One-Click`; `errors` names each",
  ),
};
