/**
 * What a page of this service may do: show its own markup with inline styles (as its emails
 * have them) and its empty `data:` icon (which spares a favicon request), and post its form back
 * here, nothing else. No script, font or remote image, and no other site may frame it: the
 * unsubscribe button is one click, and a page that framed it could trick a person into that
 * click.
 */
export const PAGE_POLICY =
  "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A page this service answers; the token is in its URL, so it is neither kept nor passed on. */
export const htmlResponse = (body: string, status = 200) =>
  new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "content-security-policy": PAGE_POLICY,
      "x-content-type-options": "nosniff",
    },
  });

/** Whether the client reads HTML (a browser following a link) rather than problem+json. */
export const wantsHtml = (request: Request) =>
  /\btext\/html\b/i.test(request.headers.get("accept") ?? "");
