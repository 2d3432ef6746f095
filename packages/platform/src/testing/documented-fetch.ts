import { checkDocumentedResponse, type RoutedApp } from "../response-schemas.ts";

/**
 * `fetch` for test harnesses: every JSON success body is checked against the schema its route
 * documents, so the OpenAPI description is tested by every request a suite makes (the served
 * app no longer checks them itself; see `trustSuccessBodies`).
 */
export async function fetchDocumented(app: RoutedApp, url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  if (response.ok && response.headers.get("content-type")?.includes("json")) {
    const body = await response.clone().json();
    checkDocumentedResponse(
      app,
      init.method ?? "GET",
      new URL(url).pathname,
      response.status,
      body,
    );
  }
  return response;
}
