import { randomUUID } from 'node:crypto';

/** A caller's x-request-id is kept only when it is short and plain; anything else gets a fresh UUID. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify options: every request's id (and so every answer's x-request-id) from the caller's header or a new UUID. */
export const REQUEST_ID_OPTIONS = {
  genReqId: (req: { headers: Record<string, string | string[] | undefined> }): string => {
    const incoming = req.headers['x-request-id'];
    return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  },
  requestIdHeader: false,
} as const;
