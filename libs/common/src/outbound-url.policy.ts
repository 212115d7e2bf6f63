import { Inject, Injectable } from '@nestjs/common';
import { LookupAddress, promises as dns } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ProblemException } from './problem';

/** Addresses a webhook may never reach (SSRF): loopback, private, link-local/metadata, CGNAT, ULA, multicast, reserved. */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address inside IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) forms. */
export function embeddedIPv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  // the URL parser and DNS give the hex form (::ffff:7f00:1, ::7f00:1, 64:ff9b::7f00:1)
  const hex = /^(?:::ffff:|::|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

export function isBlockedAddress(address: string): boolean {
  const v4 = isIP(address) === 4 ? address : embeddedIPv4(address);
  if (v4) return BLOCKED.check(v4, 'ipv4');
  return isIP(address) === 6 ? BLOCKED.check(address, 'ipv6') : true;
}

export class OutboundUrlRefused extends Error {}

/**
 * Checks an outbound URL (webhook target, callbackUrl): http/https only, no credentials, and every address the host
 * resolves to must be public — unless WEBHOOK_ALLOW_PRIVATE_NETWORKS=true. Used on subscribe and again at each delivery.
 */
@Injectable()
export class OutboundUrlPolicy {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get allowPrivate(): boolean {
    return this.config.webhooks.allowPrivateNetworks;
  }

  /** Throws OutboundUrlRefused with a plain reason. */
  async check(raw: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OutboundUrlRefused('is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundUrlRefused('must use http or https');
    if (url.username || url.password) throw new OutboundUrlRefused('must not contain credentials');
    // eslint-disable-next-line no-control-regex -- refuses control characters on purpose
    if (/[\r\n\u0000-\u001f\u007f\s]/.test(raw)) throw new OutboundUrlRefused('must not contain control characters or spaces');
    if (this.allowPrivate) return;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : await this.resolve(host);
    const blocked = addresses.find((a) => isBlockedAddress(a));
    if (blocked) throw new OutboundUrlRefused(`resolves to a loopback, private, link-local or reserved address (${blocked})`);
  }

  /** check() as a 400 problem naming the field. */
  async assertAllowed(raw: string, field: string): Promise<void> {
    try {
      await this.check(raw);
    } catch (error) {
      if (error instanceof OutboundUrlRefused) throw ProblemException.validation([{ path: field, message: error.message }]);
      throw error;
    }
  }

  /** A DNS lookup for sockets that refuses blocked addresses at connect time (DNS may change after the check). */
  readonly guardedLookup = (
    hostname: string,
    options: object,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dns
      .lookup(hostname, { ...options, all: true })
      .then((list) => {
        const blocked = !this.allowPrivate && list.find((a) => isBlockedAddress(a.address));
        if (blocked) return callback(new OutboundUrlRefused(`${hostname} resolves to a blocked address (${blocked.address})`), '', 4);
        if ((options as { all?: boolean }).all) return callback(null, list);
        callback(null, list[0].address, list[0].family);
      })
      .catch((err: Error) => callback(err, '', 4));
  };

  private async resolve(host: string): Promise<string[]> {
    try {
      const list = await dns.lookup(host, { all: true, verbatim: true });
      return list.map((a) => a.address);
    } catch {
      throw new OutboundUrlRefused(`host ${host} does not resolve`);
    }
  }
}
