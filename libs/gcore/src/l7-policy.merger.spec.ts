import { ERROR_CODES, GcoreL7PolicyChangesDto, ProviderError } from '@rpg/routing-policy';
import type { GcoreL7Policy } from './gcore.types';
import { GcoreL7PolicyMerger, unifiedL7Policy } from './l7-policy.merger';

const POOL = 'b1b2c3d4-0000-4000-8000-000000000001';
const POOL2 = 'b1b2c3d4-0000-4000-8000-000000000002';

function policy(action: GcoreL7Policy['action'], extra: Partial<GcoreL7Policy> = {}): GcoreL7Policy {
  const base: GcoreL7Policy = {
    id: 'd1b2c3d4-0000-4000-8000-000000000001',
    name: 'current-name',
    action,
    listener_id: 'c1b2c3d4-0000-4000-8000-000000000001',
    position: 1,
    redirect_url: null,
    redirect_prefix: null,
    redirect_pool_id: null,
    redirect_http_code: null,
    tags: ['web'],
    provisioning_status: 'ACTIVE',
    task_id: null,
  };
  if (action === 'REDIRECT_TO_URL') Object.assign(base, { redirect_url: 'https://example.com/now', redirect_http_code: 302 });
  if (action === 'REDIRECT_PREFIX') Object.assign(base, { redirect_prefix: 'https://example.com/v2', redirect_http_code: 301 });
  if (action === 'REDIRECT_TO_POOL') base.redirect_pool_id = POOL;
  return { ...base, ...extra };
}

const URL_POLICY = policy('REDIRECT_TO_URL');
const PREFIX_POLICY = policy('REDIRECT_PREFIX');
const POOL_POLICY = policy('REDIRECT_TO_POOL');
const REJECT_POLICY = policy('REJECT');

const merger = new GcoreL7PolicyMerger();

function mergeError(current: GcoreL7Policy | undefined, changes: GcoreL7PolicyChangesDto): ProviderError {
  try {
    merger.merge(current, changes);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error(`merge(${JSON.stringify(changes)}) did not throw`);
}

describe('GcoreL7PolicyMerger', () => {
  describe('fills action and its field from the current policy', () => {
    it.each<[string, GcoreL7Policy | undefined, GcoreL7PolicyChangesDto, Record<string, unknown>]>([
      ['name only, REDIRECT_TO_URL', URL_POLICY, { name: 'renamed' }, { action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/now', name: 'renamed' }],
      ['position only, REDIRECT_PREFIX', PREFIX_POLICY, { position: 3 }, { action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.com/v2', position: 3 }],
      ['tags only, REDIRECT_TO_POOL', POOL_POLICY, { tags: ['a', 'b'] }, { action: 'REDIRECT_TO_POOL', redirect_pool_id: POOL, tags: ['a', 'b'] }],
      ['name only, REJECT (no field)', REJECT_POLICY, { name: 'reject-all' }, { action: 'REJECT', name: 'reject-all' }],
      ['empty tags list', URL_POLICY, { tags: [] }, { action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/now', tags: [] }],
      [
        'new field of the current action',
        URL_POLICY,
        { redirectUrl: 'https://example.com/other' },
        { action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/other' },
      ],
      [
        'http code only',
        URL_POLICY,
        { redirectHttpCode: 308 },
        { action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/now', redirect_http_code: 308 },
      ],
      [
        'http code only on a prefix policy',
        PREFIX_POLICY,
        { redirectHttpCode: 307 },
        { action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.com/v2', redirect_http_code: 307 },
      ],
      [
        'explicit action + field, nothing read',
        undefined,
        { action: 'REDIRECT_PREFIX', redirectPrefix: 'https://example.com/v9' },
        { action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.com/v9' },
      ],
      ['explicit REJECT, nothing read', undefined, { action: 'REJECT', position: 2 }, { action: 'REJECT', position: 2 }],
      ['action change to REJECT drops the old field', URL_POLICY, { action: 'REJECT' }, { action: 'REJECT' }],
      [
        'action change with its field',
        URL_POLICY,
        { action: 'REDIRECT_TO_POOL', redirectPoolId: POOL2 },
        { action: 'REDIRECT_TO_POOL', redirect_pool_id: POOL2 },
      ],
      [
        'same action restated, field filled',
        POOL_POLICY,
        { action: 'REDIRECT_TO_POOL', name: 'pool-b' },
        { action: 'REDIRECT_TO_POOL', redirect_pool_id: POOL, name: 'pool-b' },
      ],
    ])('%s', (_label, current, changes, body) => {
      expect(merger.merge(current, changes).body).toEqual(body);
    });
  });

  describe('refuses changes Gcore would refuse, naming our field', () => {
    it.each<[string, string, GcoreL7Policy | undefined, GcoreL7PolicyChangesDto]>([
      ['action change without its field (from REJECT)', 'redirectUrl', REJECT_POLICY, { action: 'REDIRECT_TO_URL' }],
      ['action change without its field (old field belongs to the old action)', 'redirectPrefix', URL_POLICY, { action: 'REDIRECT_PREFIX' }],
      ['action change to pool without its field', 'redirectPoolId', PREFIX_POLICY, { action: 'REDIRECT_TO_POOL', name: 'x-pool' }],
      ['no action known at all', 'action', undefined, { name: 'renamed' }],
      ['field of another action (current action)', 'redirectPrefix', URL_POLICY, { redirectPrefix: 'https://example.com/p' }],
      ['field of another action (current REJECT)', 'redirectPoolId', REJECT_POLICY, { redirectPoolId: POOL }],
      ['field of another action (new action)', 'redirectUrl', URL_POLICY, { action: 'REJECT', redirectUrl: 'https://example.com/x' }],
      ['http code with REDIRECT_TO_POOL (current)', 'redirectHttpCode', POOL_POLICY, { redirectHttpCode: 301 }],
      ['http code with REJECT (new action)', 'redirectHttpCode', URL_POLICY, { action: 'REJECT', redirectHttpCode: 302 }],
      ['http code 304', 'redirectHttpCode', URL_POLICY, { redirectHttpCode: 304 }],
      ['http code 200', 'redirectHttpCode', PREFIX_POLICY, { redirectHttpCode: 200 }],
    ])('%s → changes.%s', (_label, field, current, changes) => {
      const error = mergeError(current, changes);
      expect(error.code).toBe(ERROR_CODES.invalidChange);
      expect(error.retryable).toBe(false);
      expect(error.fieldErrors).toEqual([{ path: `changes.${field}`, message: expect.any(String) }]);
      expect(error.message.startsWith(field + ' ')).toBe(true);
    });
  });

  describe('maps schema errors of the merged body to our field names', () => {
    it.each<[string, string, GcoreL7Policy | undefined, GcoreL7PolicyChangesDto, RegExp]>([
      ['bad name on a REDIRECT_TO_URL policy', 'name', URL_POLICY, { name: '-starts-with-dash' }, /pattern/],
      ['bad name on a REDIRECT_PREFIX policy', 'name', PREFIX_POLICY, { name: 'bad/name' }, /pattern/],
      ['bad name on a REDIRECT_TO_POOL policy', 'name', POOL_POLICY, { name: 'x!' }, /pattern/],
      ['too short name on a REJECT policy', 'name', REJECT_POLICY, { name: 'ab' }, /pattern/],
      ['position 0 on a REDIRECT_PREFIX policy', 'position', PREFIX_POLICY, { position: 0 }, /0/],
      ['non-integer position on a REJECT policy', 'position', REJECT_POLICY, { position: 1.5 }, /integer/],
      ['non-string redirect URL', 'redirectUrl', undefined, { action: 'REDIRECT_TO_URL', redirectUrl: 42 as never }, /string/],
      ['non-string pool id', 'redirectPoolId', undefined, { action: 'REDIRECT_TO_POOL', redirectPoolId: 7 as never }, /string/],
      ['non-string tag', 'tags[1]', REJECT_POLICY, { tags: ['ok', 3 as never] }, /string/],
    ])('%s → changes.%s', (_label, field, current, changes, message) => {
      const error = mergeError(current, changes);
      expect(error.code).toBe(ERROR_CODES.invalidChange);
      expect(error.fieldErrors).toEqual([{ path: `changes.${field}`, message: expect.stringMatching(message) }]);
    });

    it('passes a valid body of every variant', () => {
      for (const body of [
        { action: 'REDIRECT_TO_URL', redirect_url: 'https://x.example', redirect_http_code: 301, name: 'abc', position: 1, tags: [] },
        { action: 'REDIRECT_PREFIX', redirect_prefix: 'https://x.example', redirect_http_code: 308 },
        { action: 'REDIRECT_TO_POOL', redirect_pool_id: POOL, tags: ['a'] },
        { action: 'REJECT', name: 'reject.all_bots-1' },
      ]) {
        expect(() => merger.check(body)).not.toThrow();
      }
    });
  });

  describe('diff (unified field names, what the policy becomes)', () => {
    it('name only: one field', () => {
      expect(merger.merge(URL_POLICY, { name: 'renamed' }).diff).toEqual([{ field: 'name', from: 'current-name', to: 'renamed' }]);
    });

    it('tags: the whole list', () => {
      expect(merger.merge(URL_POLICY, { tags: ['a', 'b'] }).diff).toEqual([{ field: 'tags', from: ['web'], to: ['a', 'b'] }]);
    });

    it('restating current values: no diff', () => {
      expect(merger.merge(URL_POLICY, { redirectUrl: 'https://example.com/now', name: 'current-name' }).diff).toEqual([]);
    });

    it('action change: the old action fields and the http code go to null', () => {
      const { diff } = merger.merge(URL_POLICY, { action: 'REDIRECT_TO_POOL', redirectPoolId: POOL2 });
      expect(diff).toEqual(
        expect.arrayContaining([
          { field: 'action', from: 'REDIRECT_TO_URL', to: 'REDIRECT_TO_POOL' },
          { field: 'redirectUrl', from: 'https://example.com/now', to: null },
          { field: 'redirectPoolId', from: null, to: POOL2 },
          { field: 'redirectHttpCode', from: 302, to: null },
        ]),
      );
      expect(diff).toHaveLength(4);
    });

    it('action change to REJECT', () => {
      const { diff } = merger.merge(PREFIX_POLICY, { action: 'REJECT' });
      expect(diff).toEqual(
        expect.arrayContaining([
          { field: 'action', from: 'REDIRECT_PREFIX', to: 'REJECT' },
          { field: 'redirectPrefix', from: 'https://example.com/v2', to: null },
          { field: 'redirectHttpCode', from: 301, to: null },
        ]),
      );
      expect(diff).toHaveLength(3);
    });

    it('http code change', () => {
      expect(merger.merge(PREFIX_POLICY, { redirectHttpCode: 302 }).diff).toEqual([{ field: 'redirectHttpCode', from: 301, to: 302 }]);
    });

    it('nothing read: no diff', () => {
      expect(merger.merge(undefined, { action: 'REJECT', name: 'abc' }).diff).toEqual([]);
    });
  });

  it('unifiedL7Policy maps snake_case to our fields', () => {
    expect(unifiedL7Policy(PREFIX_POLICY)).toEqual({
      action: 'REDIRECT_PREFIX',
      name: 'current-name',
      position: 1,
      redirectUrl: null,
      redirectPrefix: 'https://example.com/v2',
      redirectPoolId: null,
      redirectHttpCode: 301,
      tags: ['web'],
    });
  });
});
