/** Checks on the value of a string field, beyond its type: addresses and embedded JSON. */
import { Check, err } from './policy-spec.engine';

function isIPv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

function isIPv6(s: string): boolean {
  let body = s;
  if (s.includes('.')) {
    const lastColon = s.lastIndexOf(':');
    if (lastColon < 0 || !isIPv4(s.slice(lastColon + 1))) return false;
    body = `${s.slice(0, lastColon + 1)}0:0`; // embedded IPv4 counts as two groups
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (![...head, ...tail].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = head.length + tail.length;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** IPv4 / IPv6 address, optionally with a CIDR prefix (the formats the ip-list pages document). */
export const ipOrCidr: Check = (value, path) => {
  const [address = '', prefix, ...rest] = String(value).trim().split('/');
  const v4 = isIPv4(address);
  const v6 = !v4 && isIPv6(address);
  const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (v4 ? 32 : 128));
  return (v4 || v6) && prefixOk && rest.length === 0 ? [] : [err(path, 'must be an IPv4/IPv6 address or CIDR range')];
};

export const jsonText: Check = (value, path) => {
  try {
    JSON.parse(String(value));
    return [];
  } catch {
    return [err(path, 'must be valid JSON')];
  }
};
