import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client';

type Names = readonly string[];

/** `'...name'` as the last key: any number of further keys (KEYS[n + 1 ..]), passed as a list. */
type RestName<K extends string> = K extends `...${infer N}` ? N : never;
type FixedName<K extends string> = K extends `...${string}` ? never : K;

/** The keys a script is called with, by name: `{ op: string, lanes: string[] }` for `['op', '...lanes']`. */
export type ScriptKeys<K extends Names> = { readonly [P in FixedName<K[number]>]: string } & { readonly [P in RestName<K[number]>]: readonly string[] };
/** The arguments (ARGV) a script is called with, by name. */
export type ScriptArgs<A extends Names> = { readonly [P in A[number]]: string | number };

export interface ScriptDefinition<K extends Names, A extends Names, Raw, R> {
  /** The script's name: one text per name per client (checked), and what a reader of the code calls it. */
  name: string;
  /** KEYS in order (KEYS[1] is the first); a last `'...name'` takes any number of keys. */
  keys: K;
  /** ARGV in order (ARGV[1] is the first). */
  args: A;
  lua: string;
  /** Turns the script's reply into what callers get: the one place that knows its shape. */
  reply: (raw: Raw) => R;
}

/** A script bound to a client: named keys and arguments in, the decoded reply out. */
export type RedisScriptCall<K extends Names, A extends Names, R> = (keys: ScriptKeys<K>, args: ScriptArgs<A>) => Promise<R>;

export interface RedisScript<K extends Names, A extends Names, R> {
  readonly name: string;
  readonly lua: string;
  /** Binds the script to the client and returns the call (EVALSHA; the text once more after a NOSCRIPT). */
  on(redis: RedisClient): RedisScriptCall<K, A, R>;
}

/** The call of a script once bound: `private readonly release: ScriptCall<typeof releaseScript>`. */
export type ScriptCall<S extends { on(redis: RedisClient): unknown }> = ReturnType<S['on']>;

/** Script text per command name per client: a second definition under the same name must be the same script. */
const defined = new WeakMap<RedisClient, Map<string, string>>();

function referenced(lua: string, table: 'KEYS' | 'ARGV'): number[] {
  return [...lua.matchAll(new RegExp(`${table}\\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1]));
}

/**
 * Defines a Lua script with named, typed keys, arguments and reply, so its argument order is written once: here, next
 * to the Lua. The Lua must use every declared argument and no undeclared key or argument (checked now, not in Redis).
 *
 *   const release = defineScript({ name: 'rpgRelease', keys: ['lane'] as const, args: ['id'] as const, lua, reply: (head: string) => head });
 *   const head = await release.on(redis)({ lane }, { id });
 */
export function defineScript<const K extends Names, const A extends Names, Raw, R>(definition: ScriptDefinition<K, A, Raw, R>): RedisScript<K, A, R> {
  const { name, keys, args, lua, reply } = definition;
  const rest = keys.length > 0 && keys[keys.length - 1].startsWith('...') ? keys[keys.length - 1].slice(3) : undefined;
  const fixedKeys = rest === undefined ? keys : keys.slice(0, -1);
  const usedArgs = new Set(referenced(lua, 'ARGV'));
  const missing = args.filter((_, i) => !usedArgs.has(i + 1));
  const beyond = [...usedArgs].filter((i) => i > args.length);
  if (missing.length || beyond.length)
    throw new Error(`script ${name}: ARGV ${beyond.length ? `[${beyond.join(', ')}] not declared` : `${missing.join(', ')} unused`}`);
  if (rest === undefined && referenced(lua, 'KEYS').some((i) => i > keys.length))
    throw new Error(`script ${name}: uses KEYS beyond the ${keys.length} declared`);

  const sha = createHash('sha1').update(lua).digest('hex');
  return {
    name,
    lua,
    on(redis) {
      let scripts = defined.get(redis);
      if (!scripts) defined.set(redis, (scripts = new Map<string, string>()));
      const known = scripts.get(name);
      if (known === undefined) scripts.set(name, lua);
      else if (known !== lua) throw new Error(`script ${name} is already defined on this client with another text`);
      return async (keyValues, argValues) => {
        const named = keyValues as Record<string, string>;
        const keyList = fixedKeys.map((k) => named[k]);
        if (rest !== undefined) keyList.push(...(keyValues as Record<string, readonly string[]>)[rest]);
        const argList = args.map((a) => (argValues as Record<string, string | number>)[a]);
        return reply((await evalBySha(redis, sha, lua, keyList, argList)) as Raw);
      };
    },
  };
}

/**
 * EVALSHA, and EVAL (which also caches the text) when Redis answers NOSCRIPT: after a restart, a SCRIPT FLUSH or on a
 * cluster node that has not seen it. Plain commands, not ioredis' defineCommand: every auto-pipelined batch copies each
 * defined command onto a new Pipeline object (two properties per script, ~4.5 KB per batch with our scripts), which
 * was the accept path's largest allocation.
 */
async function evalBySha(redis: RedisClient, sha: string, lua: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(lua, keys.length, ...keys, ...args);
  }
}
