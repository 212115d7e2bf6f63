import { LookupAddress } from 'node:dns';
import { AppConfig } from '@rpg/config';
import { ProblemException } from './problem';
import { OutboundUrlPolicy, OutboundUrlRefused, embeddedIPv4, isBlockedAddress } from './outbound-url.policy';

const policy = (allowPrivateNetworks: boolean) => new OutboundUrlPolicy({ webhooks: { allowPrivateNetworks } } as unknown as AppConfig);

describe('embeddedIPv4', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:10.1.2.3', '10.1.2.3'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::ffff:a9fe:a9fe', '169.254.169.254'],
    ['::127.0.0.1', '127.0.0.1'],
    ['::7f00:1', '127.0.0.1'],
    ['::c0a8:101', '192.168.1.1'],
    ['64:ff9b::10.0.0.1', '10.0.0.1'],
    ['64:ff9b::a00:1', '10.0.0.1'],
    ['::ffff:808:808', '8.8.8.8'],
  ])('%s → %s', (address, v4) => {
    expect(embeddedIPv4(address)).toBe(v4);
  });

  it.each(['::1', '::', 'fe80::1', '2001:db8::1', '2606:4700:4700::1111', '127.0.0.1', 'example.com', ''])('%s has none', (address) => {
    expect(embeddedIPv4(address)).toBeUndefined();
  });
});

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '0.0.0.0',
    '10.0.0.5',
    '172.16.3.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '192.0.0.1',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fd00::1',
    'fc00::1',
    'fe80::1',
    'ff02::1',
    '2001:db8::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '::7f00:1',
    '::127.0.0.1',
    '64:ff9b::7f00:1',
    'not-an-address',
    '',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '93.184.215.14',
    '172.32.0.1',
    '100.128.0.1',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::808:808',
  ])('allows %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});

describe('OutboundUrlPolicy.check', () => {
  it.each([
    ['http://127.0.0.1/hook', /loopback|private/],
    ['http://localhost:8080/hook', /loopback|private/],
    ['http://[::1]/hook', /loopback|private/],
    ['http://[::ffff:127.0.0.1]/hook', /loopback|private/],
    ['http://[::127.0.0.1]/hook', /loopback|private/],
    ['http://[fe80::1]/hook', /loopback|private/],
    ['http://169.254.169.254/latest', /loopback|private/],
    ['http://2130706433/hook', /loopback|private/],
    ['ftp://example.com/x', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['http://user:pass@example.com/', /credentials/],
    ['not a url', /valid URL/],
  ])('refuses %s', async (url, reason) => {
    await expect(policy(false).check(url)).rejects.toThrow(reason);
    await expect(policy(false).check(url)).rejects.toBeInstanceOf(OutboundUrlRefused);
  });

  it('accepts a public address', async () => {
    await expect(policy(false).check('https://93.184.215.14/hook')).resolves.toBeUndefined();
    await expect(policy(false).check('http://[2606:4700:4700::1111]:8443/x')).resolves.toBeUndefined();
  });

  it('allows private targets only when WEBHOOK_ALLOW_PRIVATE_NETWORKS=true, but never other schemes or credentials', async () => {
    await expect(policy(true).check('http://127.0.0.1:3000/hook')).resolves.toBeUndefined();
    await expect(policy(true).check('http://localhost/hook')).resolves.toBeUndefined();
    await expect(policy(true).check('ftp://127.0.0.1/')).rejects.toThrow(OutboundUrlRefused);
    await expect(policy(true).check('http://a:b@127.0.0.1/')).rejects.toThrow(OutboundUrlRefused);
  });

  it('assertAllowed turns a refusal into a 400 naming the field', async () => {
    const error = await policy(false)
      .assertAllowed('http://10.0.0.1/', 'callbackUrl')
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ProblemException);
    expect(error).toMatchObject({ slug: 'validation-failed', errors: [{ path: 'callbackUrl', message: expect.stringMatching(/private/) }] });
    expect((error as ProblemException).getStatus()).toBe(400);
  });
});

describe('OutboundUrlPolicy.guardedLookup (connect-time check)', () => {
  const lookup = (g: OutboundUrlPolicy, host: string, options: object = {}) =>
    new Promise<{ err: Error | null; address: string | LookupAddress[] }>((resolve) =>
      g.guardedLookup(host, options, (err, address) => resolve({ err, address })),
    );

  it('refuses a name resolving to loopback', async () => {
    const { err } = await lookup(policy(false), 'localhost');
    expect(err).toBeInstanceOf(OutboundUrlRefused);
  });

  it('resolves it when private networks are allowed (single and all forms)', async () => {
    const one = await lookup(policy(true), 'localhost');
    expect(one.err).toBeNull();
    expect(typeof one.address).toBe('string');
    const all = await lookup(policy(true), 'localhost', { all: true });
    expect(all.err).toBeNull();
    expect(Array.isArray(all.address)).toBe(true);
  });
});
