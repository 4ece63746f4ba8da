import type { FastifyRequest } from 'fastify';

/** Private links are credentials: replace the token in any logged URL. */
export function redactPrivateTokens(url: string): string {
  return url.replace(/\/(r|api\/responses)\/[^/?#]+/g, '/$1/<token>');
}

/** Request log lines carry the method, the redacted URL and the client address; nothing else. */
export function requestSerializer(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactPrivateTokens(request.url),
    remoteAddress: request.ip,
  };
}
