/**
 * Whether an error means PostgreSQL could not be reached or dropped the connection (a restart,
 * a crash, a network break), as opposed to a fault in a query. Such a request gets a 503: the
 * same request will work again once PostgreSQL is back, and the pool reconnects on its own.
 */

/** SQLSTATE classes and codes that mean "the server is going away or not there yet". */
const unavailableStates = new Set(['57P01', '57P02', '57P03', '53300']);
const unavailableNodeCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT']);
/** node-postgres reports a lost or never-made connection with plain messages, not codes. */
const unavailableMessages = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (unavailableStates.has(code) || code.startsWith('08') || unavailableNodeCodes.has(code)) return true;
  }
  if (unavailableMessages.some((m) => error.message.includes(m))) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return error.cause !== undefined && isDatabaseUnavailable(error.cause, depth + 1);
}
