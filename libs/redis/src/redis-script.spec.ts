import { createHash, randomUUID } from 'node:crypto';
import { RedisClient, createRedisClient } from './redis-client';
import { defineScript } from './redis-script';

const ECHO = `
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2])
return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS}
`;

describe('defineScript (real Redis)', () => {
  let redis: RedisClient;
  const tag = `{script-spec-${randomUUID()}}`;

  beforeAll(async () => {
    redis = createRedisClient({ redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', redisClusterNodes: [] }, { lazyConnect: true });
    await redis.connect();
  });
  afterAll(async () => {
    await redis.del(`${tag}:a`, `${tag}:b`, `${tag}:c`);
    redis.disconnect();
  });

  it('passes keys and arguments by name, in the declared order, and decodes the reply', async () => {
    const echo = defineScript({
      name: 'rpgSpecEcho',
      keys: ['first', 'second'] as const,
      args: ['left', 'right'] as const,
      lua: ECHO,
      reply: ([k1, k2, a1, a2, count]: [string, string, string, string, number]) => ({ k1, k2, a1, a2, count }),
    });
    const reply = await echo.on(redis)({ second: `${tag}:b`, first: `${tag}:a` }, { right: 2, left: 'one' });
    expect(reply).toEqual({ k1: `${tag}:a`, k2: `${tag}:b`, a1: 'one', a2: '2', count: 2 });
    expect(await redis.get(`${tag}:a`)).toBe('one|2');
  });

  it('a last `...name` key takes any number of keys', async () => {
    const lua = `return {#KEYS, KEYS[1], KEYS[#KEYS], ARGV[1]}`;
    const rest = defineScript({
      name: 'rpgSpecRest',
      keys: ['head', '...others'] as const,
      args: ['x'] as const,
      lua,
      reply: (raw: [number, string, string, string]) => raw,
    });
    const call = rest.on(redis);
    expect(await call({ head: `${tag}:a`, others: [`${tag}:b`, `${tag}:c`] }, { x: 'y' })).toEqual([3, `${tag}:a`, `${tag}:c`, 'y']);
    expect(await call({ head: `${tag}:a`, others: [] }, { x: 'z' })).toEqual([1, `${tag}:a`, `${tag}:a`, 'z']);
  });

  it('runs a script Redis has not cached yet (NOSCRIPT: sent once as text), then by its SHA', async () => {
    const nonce = randomUUID();
    const lua = `return ARGV[1] .. '${nonce}'`;
    const sha1 = createHash('sha1').update(lua).digest('hex');
    const fresh = defineScript({ name: 'rpgSpecFresh', keys: [] as const, args: ['x'] as const, lua, reply: (raw: string) => raw });
    expect(await redis.script('EXISTS', sha1)).toEqual([0]);
    const call = fresh.on(redis);
    expect(await call({}, { x: 'a' })).toBe(`a${nonce}`);
    expect(await redis.script('EXISTS', sha1)).toEqual([1]);
    expect(await call({}, { x: 'b' })).toBe(`b${nonce}`);
  });

  it('passes a script error through as it is', async () => {
    const lua = `return redis.error_reply('EXISTS')`;
    const failing = defineScript({ name: 'rpgSpecFails', keys: [] as const, args: [] as const, lua, reply: (raw) => raw });
    await expect(failing.on(redis)({}, {})).rejects.toThrow(/EXISTS/);
  });

  it('refuses a script whose Lua does not match its declared arguments or keys', () => {
    const reply = (raw: unknown) => raw;
    expect(() => defineScript({ name: 'x', keys: ['k'] as const, args: ['a', 'b'] as const, lua: 'return ARGV[1]', reply })).toThrow(/ARGV b unused/);
    expect(() => defineScript({ name: 'x', keys: ['k'] as const, args: ['a'] as const, lua: 'return ARGV[1] .. ARGV[2]', reply })).toThrow(
      /ARGV \[2\] not declared/,
    );
    expect(() => defineScript({ name: 'x', keys: ['k'] as const, args: [] as const, lua: 'return KEYS[2]', reply })).toThrow(/KEYS beyond the 1 declared/);
  });

  it('two scripts under one name on one client is a mistake, one script bound twice is not', () => {
    const reply = (raw: unknown) => raw;
    const one = defineScript({ name: 'rpgSpecTwice', keys: [] as const, args: [] as const, lua: 'return 1', reply });
    const other = defineScript({ name: 'rpgSpecTwice', keys: [] as const, args: [] as const, lua: 'return 2', reply });
    one.on(redis);
    expect(() => one.on(redis)).not.toThrow();
    expect(() => other.on(redis)).toThrow(/already defined/);
  });
});
