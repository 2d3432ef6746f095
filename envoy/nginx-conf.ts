/**
 * A reader of nginx configuration files for the tests, for machines without nginx: directives
 * with their arguments and blocks, comments dropped, quotes removed. It checks the syntax nginx
 * itself checks first (every directive ends with `;` or a block, braces balance, quotes close);
 * what a directive means, and whether nginx knows it, only `nginx -t` can tell.
 */

export interface Directive {
  name: string;
  args: string[];
  /** The directives inside `{ … }`, when the directive has a block. */
  block?: Directive[];
  line: number;
}

interface Token {
  text: string;
  /** Quoted text is always an argument, never `;`, `{` or `}`. */
  quoted: boolean;
  line: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "\n") line++;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "#") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (ch === ";" || ch === "{" || ch === "}") {
      tokens.push({ text: ch, quoted: false, line });
      i++;
    } else if (ch === '"' || ch === "'") {
      const start = line;
      let text = "";
      i++;
      while (i < source.length && source[i] !== ch) {
        if (source[i] === "\\" && i + 1 < source.length) i++;
        if (source[i] === "\n") line++;
        text += source[i];
        i++;
      }
      if (i >= source.length) throw new Error(`line ${start}: unterminated quoted string`);
      tokens.push({ text, quoted: true, line: start });
      i++;
    } else {
      let text = "";
      while (i < source.length && !/[\s;{}#"']/.test(source[i]!)) text += source[i++];
      tokens.push({ text, quoted: false, line });
    }
  }
  return tokens;
}

/** Parses a whole file into its top-level directives; throws on a syntax error, with its line. */
export function parseNginxConf(source: string): Directive[] {
  const tokens = tokenize(source);
  let pos = 0;
  const parseBlock = (nested: boolean): Directive[] => {
    const out: Directive[] = [];
    while (pos < tokens.length) {
      const first = tokens[pos]!;
      if (!first.quoted && first.text === "}") {
        if (!nested) throw new Error(`line ${first.line}: unexpected "}"`);
        pos++;
        return out;
      }
      if (!first.quoted && (first.text === ";" || first.text === "{")) {
        throw new Error(`line ${first.line}: unexpected "${first.text}"`);
      }
      pos++;
      const args: string[] = [];
      for (;;) {
        const t = tokens[pos];
        if (!t) throw new Error(`line ${first.line}: "${first.text}" has no ";" or block`);
        pos++;
        if (!t.quoted && t.text === ";") {
          out.push({ name: first.text, args, line: first.line });
          break;
        }
        if (!t.quoted && t.text === "{") {
          out.push({ name: first.text, args, block: parseBlock(true), line: first.line });
          break;
        }
        if (!t.quoted && t.text === "}") throw new Error(`line ${t.line}: unexpected "}"`);
        args.push(t.text);
      }
    }
    if (nested) throw new Error('unexpected end of file: a "}" is missing');
    return out;
  };
  return parseBlock(false);
}

/** The directives of a block with this name (e.g. every `location`). */
export const directives = (block: Directive[] | undefined, name: string): Directive[] =>
  (block ?? []).filter((d) => d.name === name);

/** The one directive of this name in a block; throws when there is none or several. */
export function only(block: Directive[] | undefined, name: string): Directive {
  const found = directives(block, name);
  if (found.length !== 1) throw new Error(`expected one "${name}", found ${found.length}`);
  return found[0]!;
}

/** The `location` block whose arguments are exactly these, e.g. `["=", "/index.html"]`. */
export function location(server: Directive, ...args: string[]): Directive | undefined {
  return directives(server.block, "location").find(
    (d) => d.args.length === args.length && d.args.every((a, i) => a === args[i]),
  );
}

/** The value of each `add_header NAME value` of a block, by lower-case header name. */
export function addedHeaders(block: Directive[] | undefined): Record<string, string> {
  return Object.fromEntries(
    directives(block, "add_header").map((d) => [d.args[0]!.toLowerCase(), d.args[1] ?? ""]),
  );
}

export interface StaticReply {
  status: number;
  /** The file sent, relative to `root` (e.g. `index.html`), when there is one. */
  file?: string;
  /** The location that answered, e.g. `= /index.html`. */
  location: string;
  /** `add_header` values by lower-case name: nginx adds them to successful responses only. */
  headers: Record<string, string>;
}

/**
 * How a `server` answers GET `uri` for a set of files under its root: the `=` location, else the
 * longest prefix location; `try_files` tries `$uri` (a name ending in `/` is a directory test),
 * then redirects internally to its last argument (or answers `=code`). A directory is answered
 * by the default `index` (index.html: an internal redirect) or, without one, 403 (no autoindex).
 * Regex locations, `alias`, `return`, `rewrite`, `index` and `autoindex` directives are not
 * modelled and throw.
 */
export function serveStatic(server: Directive, files: Set<string>, uri: string): StaticReply {
  const locations = directives(server.block, "location");
  const unsupported = locations.find((l) => l.args.length !== 1 && l.args[0] !== "=");
  if (unsupported) throw new Error(`location ${unsupported.args.join(" ")} is not modelled`);
  for (const name of ["alias", "return", "index", "rewrite", "autoindex"]) {
    if (
      locations.some((l) => directives(l.block, name).length > 0) ||
      directives(server.block, name).length > 0
    )
      throw new Error(`${name} is not modelled`);
  }
  const pick = (path: string): Directive => {
    const exact = locations.find((l) => l.args[0] === "=" && l.args[1] === path);
    if (exact) return exact;
    const prefixes = locations
      .filter((l) => l.args.length === 1 && path.startsWith(l.args[0]!))
      .sort((a, b) => b.args[0]!.length - a.args[0]!.length);
    if (!prefixes[0]) throw new Error(`no location for ${path}`);
    return prefixes[0];
  };
  const relative = (path: string) => path.replace(/^\//, "");
  const exists = (path: string) =>
    path.endsWith("/")
      ? path === "/" || [...files].some((f) => f.startsWith(relative(path)))
      : files.has(relative(path));
  const reply = (loc: Directive, status: number, file?: string): StaticReply => ({
    status,
    ...(file ? { file } : {}),
    location: loc.args.join(" "),
    headers: status < 400 ? addedHeaders(loc.block) : {},
  });

  let path = uri.split("?")[0]!;
  for (let redirects = 0; redirects < 10; redirects++) {
    const loc = pick(path);
    const tryFiles = directives(loc.block, "try_files")[0];
    const candidates = tryFiles
      ? tryFiles.args.slice(0, -1).map((a) => a.replaceAll("$uri", path))
      : [path];
    const hit = candidates.find(exists);
    if (hit?.endsWith("/")) {
      if (!files.has(`${relative(hit)}index.html`)) return reply(loc, 403);
      path = `${hit}index.html`;
      continue;
    }
    if (hit) return reply(loc, 200, relative(hit));
    if (!tryFiles) return reply(loc, 404);
    const last = tryFiles.args.at(-1)!;
    const code = /^=(\d{3})$/.exec(last)?.[1];
    if (code) return reply(loc, Number(code));
    path = last;
  }
  throw new Error(`internal redirect loop for ${uri}`);
}
