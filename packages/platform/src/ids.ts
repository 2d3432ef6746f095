const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `value` is a UUID in its canonical text form. Ids from paths and bodies are checked with
 * this before they reach a query, so a malformed one is "not found" without a database round trip.
 */
export const isUuid = (value: string): boolean => UUID.test(value);
