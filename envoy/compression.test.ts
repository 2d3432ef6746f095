/**
 * Response compression at the edge: brotli and gzip for text, never for the live event streams,
 * checked against envoy.yaml and, through validate.ts, against Envoy's own compressor protos.
 */
import { describe, expect, test } from "bun:test";
import { matchRoute } from "./checks.ts";
import { type Any, config, hcmIn, routes as routeEntries } from "./config.fixture.ts";
import { validateEnvoyConfig } from "./validate.ts";

const hcm = hcmIn(config);
const routes = routeEntries.map((r) => r.route as Any);

const COMPRESSOR = "type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor";
const PER_ROUTE =
  "type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute";
const LIBRARIES = {
  brotli: "type.googleapis.com/envoy.extensions.compression.brotli.compressor.v3.Brotli",
  gzip: "type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip",
};
const filters = hcm.http_filters as Any[];
const compressors = filters.filter((f) => f.typed_config["@type"] === COMPRESSOR);
const contentTypes = (filter: Any): string[] =>
  filter.typed_config.response_direction_config.common_config.content_type;
const id = "0195d3a4-7b2c-7c1e-9a3f-2b4c6d8e0f12";

describe("the edge compresses text responses", () => {
  test("one compressor filter each for brotli and gzip, brotli chosen on a tie, before the router", () => {
    const libraries = compressors.map((f) => f.typed_config.compressor_library);
    expect(libraries.map((l: Any) => l.typed_config["@type"])).toEqual([
      LIBRARIES.brotli,
      LIBRARIES.gzip,
    ]);
    expect(libraries.map((l: Any) => l.name)).toEqual(["brotli", "gzip"]);
    expect(compressors.map((f) => f.typed_config.choose_first === true)).toEqual([true, false]);
    const router = filters.findIndex((f) => f.name === "envoy.filters.http.router");
    for (const f of compressors) expect(filters.indexOf(f)).toBeLessThan(router);
    // responses only: a request body is never decompressed or compressed here
    for (const f of compressors) expect(f.typed_config.request_direction_config).toBeUndefined();
  });

  test("the text types the app and the API send, both compressors alike", () => {
    const [brotli, gzip] = compressors;
    expect(contentTypes(gzip)).toEqual(contentTypes(brotli));
    expect([...contentTypes(brotli)].sort()).toEqual(
      [
        "application/javascript",
        "application/json",
        "application/problem+json",
        "image/svg+xml",
        "text/css",
        "text/html",
        "text/javascript",
        "text/plain",
      ].sort(),
    );
  });

  test("never the event streams: text/event-stream is not compressible here", () => {
    for (const f of compressors) {
      const types = contentTypes(f).map((t) => t.toLowerCase());
      expect(types.some((t) => t.includes("event-stream"))).toBe(false);
      // an empty list would mean Envoy's defaults, which are not ours to rely on
      expect(types.length).toBeGreaterThan(0);
    }
  });

  test("every route to the streams' cluster turns each compressor off", () => {
    const streamRoutes = routes.filter((r) => r.route?.cluster === "hangout_streams");
    expect(streamRoutes.map((r) => r.name).sort()).toEqual(["hangout_events", "me_events"]);
    for (const route of streamRoutes) {
      for (const f of compressors) {
        const perRoute = route.typed_per_filter_config?.[f.name];
        expect({ route: route.name, filter: f.name, perRoute }).toEqual({
          route: route.name,
          filter: f.name,
          perRoute: { "@type": PER_ROUTE, disabled: true },
        });
      }
    }
    for (const path of [`/hangouts/${id}/events`, "/me/events"])
      expect(matchRoute(hcm.route_config, "GET", path)?.cluster).toBe("hangout_streams");
  });

  test("no other route turns compression off or changes it", () => {
    const names = new Set(compressors.map((f) => f.name));
    for (const route of routes) {
      if (route.route?.cluster === "hangout_streams") continue;
      const configured = Object.keys(route.typed_per_filter_config ?? {}).filter((k) =>
        names.has(k),
      );
      expect({ route: route.name, configured }).toEqual({ route: route.name, configured: [] });
    }
  });
});

describe("the validator walks the compressor protos (shipped in @grpc/grpc-js-xds)", () => {
  const errorsAfter = (change: (doc: Any) => void) => {
    const doc = structuredClone(config);
    change(doc);
    return validateEnvoyConfig(doc).errors;
  };
  const compressorIn = (doc: Any, name: string): Any =>
    hcmIn(doc).http_filters.find((f: Any) => f.name === name).typed_config;
  const routeIn = (doc: Any, name: string): Any =>
    hcmIn(doc).route_config.virtual_hosts[0].routes.find((r: Any) => r.name === name);
  const BROTLI = "envoy.filters.http.compressor.brotli";

  test("the config as it is: no errors", () => {
    expect(errorsAfter(() => {})).toEqual([]);
  });

  test("a misspelled field inside the brotli library", () => {
    const errors = errorsAfter((doc) => {
      compressorIn(doc, BROTLI).compressor_library.typed_config.qualty = 5;
    });
    expect(errors.map((e) => e.message).join("\n")).toMatch(
      /unknown field "qualty" in envoy\.extensions\.compression\.brotli\.compressor\.v3\.Brotli.*quality/,
    );
  });

  test("a brotli quality above 11 (its validate rule)", () => {
    const errors = errorsAfter((doc) => {
      compressorIn(doc, BROTLI).compressor_library.typed_config.quality = 12;
    });
    expect(errors.map((e) => e.message)).toEqual(["value must be less than or equal to 11"]);
  });

  test("a gzip compression level that does not exist", () => {
    const errors = errorsAfter((doc) => {
      compressorIn(
        doc,
        "envoy.filters.http.compressor.gzip",
      ).compressor_library.typed_config.compression_level = "COMPRESSION_LEVEL_10";
    });
    expect(errors.map((e) => e.message).join("\n")).toMatch(/invalid value "COMPRESSION_LEVEL_10"/);
  });

  test("a compressor without its library (required)", () => {
    const errors = errorsAfter((doc) => {
      delete compressorIn(doc, BROTLI).compressor_library;
    });
    expect(errors.map((e) => e.message).join("\n")).toMatch(/compressor_library.*required/);
  });

  test("a per-route override that does not turn it off (disabled must be true)", () => {
    const errors = errorsAfter((doc) => {
      routeIn(doc, "me_events").typed_per_filter_config = {
        [BROTLI]: { "@type": PER_ROUTE, disabled: false },
      };
    });
    expect(errors.map((e) => e.message)).toEqual(["value must be true"]);
  });
});
