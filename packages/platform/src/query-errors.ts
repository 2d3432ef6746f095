import { SQL } from "bun";
import { DrizzleQueryError } from "drizzle-orm";

/** What mysql2 puts on an error a statement got from the server. */
interface DriverError extends Error {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  sql?: string;
}

/**
 * Strips the values a failed statement ran with from its error, in place, and returns it.
 * Drizzle writes every parameter into its message ("Failed query: … params: …"); mysql2 adds the
 * statement with its values inlined (`sql`) and, for a duplicate key, the value itself in the
 * message. Logged or recorded on a span, that would be emails, password hashes and token hashes.
 * What stays: the statement text (placeholders only), and the driver's code, errno and SQL state,
 * so `mysqlErrorCode` still tells a duplicate from a deadlock. Bun's client (hot-sql.ts) puts the
 * server's message, a duplicate value included, in its error's message: that goes the same way.
 */
export function withoutQueryValues<T>(error: T): T {
  if (error instanceof SQL.SQLError) {
    const { errno, sqlState } = error as DriverError;
    error.message = `query failed (errno ${errno}, SQL state ${sqlState})`;
    return error;
  }
  if (error instanceof DrizzleQueryError) {
    error.message = `Failed query: ${error.query}`;
    error.params = [];
  }
  const driver = (error instanceof DrizzleQueryError ? error.cause : error) as DriverError;
  if (driver instanceof Error && "sql" in driver) {
    const summary = `${driver.code ?? "query failed"} (errno ${driver.errno}, SQL state ${driver.sqlState})`;
    driver.message = summary;
    driver.sqlMessage = summary;
    delete driver.sql;
  }
  return error;
}
