/** A page this service answers; the token is in its URL, so it is neither kept nor passed on. */
export const htmlResponse = (body: string, status = 200) =>
  new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    },
  });

/** Whether the client reads HTML (a browser following a link) rather than problem+json. */
export const wantsHtml = (request: Request) =>
  /\btext\/html\b/i.test(request.headers.get("accept") ?? "");
