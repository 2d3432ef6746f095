/**
 * The app's pages and the shell around them. Page paths never share a prefix with the API's
 * (/auth, /hangouts, /memories, /me, /notifications): the dev server and the edge send those to
 * the services and every other path to this app (docs/decisions/0020-web-app.md).
 */

import type { ComponentType } from "preact";
import { useEffect } from "preact/hooks";
import { ErrorBoundary, LocationProvider, lazy, Route, Router, useLocation } from "preact-iso";
import { logout, refresh, session } from "./api/session.ts";
import { Home } from "./pages/home.tsx";
import { Login } from "./pages/login.tsx";
import { NotFound } from "./pages/not-found.tsx";
import { Signup } from "./pages/signup.tsx";

// Pages a signed-out visitor never needs are loaded when first opened.
const NewHangout = lazy(() => import("./pages/new-hangout.tsx").then((m) => m.NewHangout));
const HangoutPage = lazy(() => import("./pages/hangout/page.tsx").then((m) => m.HangoutPage));
const Settings = lazy(() => import("./pages/settings.tsx").then((m) => m.Settings));

/** Pages that need a signed-in user send others to log in, and back here afterwards. */
// biome-ignore lint/suspicious/noExplicitAny: a page's own props pass through untouched.
function SignedIn({ page: Page, ...props }: { page: ComponentType<any>; [prop: string]: unknown }) {
  const { url, route } = useLocation();
  const state = session.value.status;
  useEffect(() => {
    if (state === "anonymous") route(`/login?next=${encodeURIComponent(url)}`, true);
  }, [state, url, route]);
  if (state !== "signed-in") return <p class="loading">Loading…</p>;
  return <Page {...props} />;
}

function Header() {
  const current = session.value;
  const { route } = useLocation();
  return (
    <header class="top">
      <a class="brand" href="/">
        Hangout Planner
      </a>
      {current.status === "signed-in" && (
        <nav aria-label="Account">
          <span class="who">{current.user.name}</span>
          <a href="/settings/notifications">Email settings</a>
          <button
            type="button"
            class="link"
            onClick={async () => {
              await logout();
              route("/login");
            }}
          >
            Log out
          </button>
        </nav>
      )}
    </header>
  );
}

export function App() {
  useEffect(() => {
    void refresh();
  }, []);
  return (
    <LocationProvider>
      <Header />
      <main>
        <ErrorBoundary>
          <Router>
            <Route path="/" component={() => <SignedIn page={Home} />} />
            <Route path="/login" component={Login} />
            <Route path="/signup" component={Signup} />
            <Route path="/new" component={() => <SignedIn page={NewHangout} />} />
            <Route
              path="/hangout/:id"
              component={({ id }: { id: string }) => <SignedIn page={HangoutPage} id={id} />}
            />
            <Route path="/settings/notifications" component={() => <SignedIn page={Settings} />} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
    </LocationProvider>
  );
}
