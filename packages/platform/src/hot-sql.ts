import { SQL } from "bun";

/**
 * The service's database through Bun's built-in MySQL client, for its hot statements only: the
 * few statements on the paths users feel most, each a SQL constant in its repository
 * (docs/decisions/0021-hot-statements-on-bun-sql.md). Everything else goes through Drizzle on the
 * mysql2 pool. Connections open on first use, so a service that runs no hot statement opens none.
 */
export type HotSql = SQL;

/** `DATABASE_HOT_CONNECTIONS` when unset. */
export const HOT_CONNECTIONS = 4;

/**
 * `connections` is `DATABASE_HOT_CONNECTIONS` in a service. The client sends a connection's
 * statements one after another without waiting for each answer, so a few connections carry a
 * busy replica's hot statements, and fewer connections cost both sides less CPU than many
 * (docs/decisions/0021-hot-statements-on-bun-sql.md).
 */
export function createHotSql(url: string, options: { connections?: number } = {}): HotSql {
  // foundRows: an UPDATE counts the rows it matched, as mysql2 does, not only those it changed.
  // allowPublicKeyRetrieval: over plain TCP a MySQL 8 `caching_sha2_password` account's full
  // authentication needs the server's RSA key; mysql2, the services' other client, asks for it
  // without an opt-in, so both trust the network between the services and their database alike.
  return new SQL(url, {
    max: options.connections ?? HOT_CONNECTIONS,
    foundRows: true,
    allowPublicKeyRetrieval: true,
  });
}

/**
 * The rows one statement returns. `statement` is a constant with `?` placeholders and `values`
 * are bound by the server as parameters, never spliced into the text: that is why the client's
 * raw-text method is safe here. Typed by the caller: the rows are exactly the selected columns.
 */
export function hotRows<Row>(sql: HotSql, statement: string, values: unknown[]): Promise<Row[]> {
  return sql.unsafe(statement, values) as Promise<Row[]>;
}

/** Runs an INSERT, UPDATE or DELETE bound as in `hotRows`; the rows it matched. */
export async function hotRun(sql: HotSql, statement: string, values: unknown[]): Promise<number> {
  return (await sql.unsafe(statement, values)).affectedRows;
}
