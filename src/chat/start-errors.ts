// Why a chat platform could not be reached at start-up: a refused token needs a new token, an
// unreachable API needs the network (DNS, proxy, firewall) — the start-up error says which.

const NETWORK_CODES: Record<string, string> = {
  ENOTFOUND: 'its host name does not resolve (DNS)',
  EAI_AGAIN: 'its host name does not resolve right now (DNS)',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'there is no route to it',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection broke',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate is not trusted (a proxy?)',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate is not trusted (a proxy?)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is not trusted (a proxy?)',
};

/** What kept the API out of reach ("its host name does not resolve (DNS)"), or null when it answered. */
export function networkProblem(err: unknown): string | null {
  const known = knownNetworkCode(err, 0);
  if (known) return known;
  // fetch() failed before any answer, for a reason it names only in words ("bad port", a proxy…)
  const e = err as { code?: unknown; original?: { message?: unknown; cause?: { message?: unknown } } } | null;
  if (e?.code === 'slack_webapi_request_error')
    return `the request got no answer (${String(e.original?.cause?.message ?? e.original?.message ?? 'fetch failed')})`;
  return null;
}

function knownNetworkCode(err: unknown, depth: number): string | null {
  if (!err || typeof err !== 'object' || depth > 5) return null;
  const e = err as { code?: unknown; cause?: unknown; original?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && NETWORK_CODES[e.code]) return `${NETWORK_CODES[e.code]}, ${e.code}`;
  for (const inner of [e.original, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = knownNetworkCode(inner, depth + 1);
    if (found) return found;
  }
  return null;
}
