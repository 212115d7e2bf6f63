import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a token is for. The purpose is signed with the claims, so a stream token never opens an admin session and a
 * session cookie never opens a stream.
 */
export type TokenPurpose = 'stream' | 'admin-session';

export interface TokenClaims {
  purpose: TokenPurpose;
  /** The API key's name the token was issued to (its scopes are checked again on use: a removed key ends its tokens). */
  keyName: string;
  /** Expiry, Unix milliseconds. */
  expiresAt: number;
  /** A stream token bound to one operation. */
  operationId?: string;
}

interface WireClaims {
  p: TokenPurpose;
  n: string;
  e: number;
  o?: string;
}

const VERSION = 'v1';

/**
 * Short-lived bearer tokens signed with SESSION_SECRET (HMAC-SHA256): `v1.<claims, base64url JSON>.<mac, base64url>`.
 * Stateless on purpose: any gateway sharing the secret verifies them, and nothing is stored per token.
 */
export class SignedTokenCodec {
  constructor(private readonly secret: Buffer) {}

  sign(claims: TokenClaims): string {
    const wire: WireClaims = { p: claims.purpose, n: claims.keyName, e: claims.expiresAt, ...(claims.operationId ? { o: claims.operationId } : {}) };
    const body = `${VERSION}.${Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url')}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a token that is well formed, signed with our secret, for this purpose and not expired; else null. */
  verify(token: string | undefined, purpose: TokenPurpose, now = Date.now()): TokenClaims | null {
    if (!token || token.length > 2048) return null;
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) return null;
    const expected = Buffer.from(this.mac(`${parts[0]}.${parts[1]}`), 'utf8');
    const given = Buffer.from(parts[2], 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let wire: WireClaims;
    try {
      wire = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as WireClaims;
    } catch {
      return null;
    }
    if (wire.p !== purpose || typeof wire.n !== 'string' || typeof wire.e !== 'number' || wire.e <= now) return null;
    return { purpose: wire.p, keyName: wire.n, expiresAt: wire.e, ...(typeof wire.o === 'string' ? { operationId: wire.o } : {}) };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body, 'utf8').digest('base64url');
  }
}
