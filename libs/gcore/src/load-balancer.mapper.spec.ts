import { GcoreLoadBalancerChangesDto } from '@rpg/routing-policy';
import type { GcoreLoadBalancer } from './gcore.types';
import { loadBalancerDiff, toLoadBalancerPatch, unifiedLoadBalancer } from './load-balancer.mapper';

function lb(extra: Partial<GcoreLoadBalancer> = {}): GcoreLoadBalancer {
  return {
    id: 'a1b2c3d4-0000-4000-8000-000000000001',
    name: 'lb-web',
    preferred_connectivity: 'L2',
    logging: { enabled: false, topic_name: null, destination_region_id: null, retention_policy: null },
    tags_v2: [
      { key: 'managed-by', value: 'gcore', read_only: true },
      { key: 'env', value: 'prod', read_only: false },
      { key: 'team', value: 'edge', read_only: false },
    ],
    task_id: null,
    provisioning_status: 'ACTIVE',
    ...extra,
  };
}

describe('load balancer mapper', () => {
  describe('toLoadBalancerPatch: our changes → Gcore v1 PATCH body (only what was sent)', () => {
    it.each<[string, GcoreLoadBalancerChangesDto, Record<string, unknown>]>([
      ['name', { name: 'lb-web-2' }, { name: 'lb-web-2' }],
      ['preferredConnectivity', { preferredConnectivity: 'L3' }, { preferred_connectivity: 'L3' }],
      [
        'logging, every field',
        { logging: { enabled: true, topicName: 'lb-logs', destinationRegionId: 76, retentionPolicy: { period: 30 } } },
        { logging: { enabled: true, topic_name: 'lb-logs', destination_region_id: 76, retention_policy: { period: 30 } } },
      ],
      ['logging, one field only', { logging: { enabled: false } }, { logging: { enabled: false } }],
      [
        'logging, nulls kept',
        { logging: { topicName: null, destinationRegionId: null, retentionPolicy: null } },
        { logging: { topic_name: null, destination_region_id: null, retention_policy: null } },
      ],
      ['logging, retention period null', { logging: { retentionPolicy: { period: null } } }, { logging: { retention_policy: { period: null } } }],
      ['tags merge patch passes through', { tags: { team: 'core', env: null } }, { tags: { team: 'core', env: null } }],
      ['tags null (remove every user tag)', { tags: null }, { tags: null }],
      ['several fields', { name: 'x', preferredConnectivity: 'L2', tags: {} }, { name: 'x', preferred_connectivity: 'L2', tags: {} }],
    ])('%s', (_label, changes, body) => {
      expect(toLoadBalancerPatch(changes)).toEqual(body);
    });

    it('sends no key for a field that was not sent', () => {
      expect(Object.keys(toLoadBalancerPatch({ name: 'only' }))).toEqual(['name']);
      expect(Object.keys(toLoadBalancerPatch({ logging: { enabled: true } }).logging as object)).toEqual(['enabled']);
    });
  });

  describe('unifiedLoadBalancer', () => {
    it('maps fields and keeps only user tags', () => {
      expect(unifiedLoadBalancer(lb())).toEqual({
        name: 'lb-web',
        preferredConnectivity: 'L2',
        logging: { enabled: false, topicName: null, destinationRegionId: null, retentionPolicy: null },
        tags: { env: 'prod', team: 'edge' },
      });
    });

    it('tolerates missing optional fields', () => {
      expect(unifiedLoadBalancer(lb({ logging: null, tags_v2: undefined, preferred_connectivity: undefined }))).toEqual({
        name: 'lb-web',
        preferredConnectivity: null,
        logging: null,
        tags: {},
      });
    });
  });

  describe('loadBalancerDiff: JSON Merge Patch semantics of tags, read-only tags untouched', () => {
    it('{key: null} deletes one tag, a value adds or replaces, others kept', () => {
      expect(loadBalancerDiff(lb(), { tags: { env: null, team: 'core', tier: 'gold' } })).toEqual([
        { field: 'tags', from: { env: 'prod', team: 'edge' }, to: { team: 'core', tier: 'gold' } },
      ]);
    });

    it('read-only tags can never change: a patch of one is no change', () => {
      expect(loadBalancerDiff(lb(), { tags: { 'managed-by': 'me' } })).toEqual([]);
      expect(loadBalancerDiff(lb(), { tags: { 'managed-by': null, env: 'dev' } })).toEqual([
        { field: 'tags', from: { env: 'prod', team: 'edge' }, to: { env: 'dev', team: 'edge' } },
      ]);
    });

    it('tags: null removes every user tag', () => {
      expect(loadBalancerDiff(lb(), { tags: null })).toEqual([{ field: 'tags', from: { env: 'prod', team: 'edge' }, to: {} }]);
    });

    it('deleting a missing key or re-setting a value is no change', () => {
      expect(loadBalancerDiff(lb(), { tags: { absent: null, env: 'prod' } })).toEqual([]);
    });

    it('name and connectivity', () => {
      expect(loadBalancerDiff(lb(), { name: 'lb-web-2', preferredConnectivity: 'L3' })).toEqual([
        { field: 'name', from: 'lb-web', to: 'lb-web-2' },
        { field: 'preferredConnectivity', from: 'L2', to: 'L3' },
      ]);
    });

    it('logging is merged field by field', () => {
      expect(loadBalancerDiff(lb(), { logging: { enabled: true, topicName: 'lb-logs' } })).toEqual([
        {
          field: 'logging',
          from: { enabled: false, topicName: null, destinationRegionId: null, retentionPolicy: null },
          to: { enabled: true, topicName: 'lb-logs', destinationRegionId: null, retentionPolicy: null },
        },
      ]);
    });

    it('no change, no diff', () => {
      expect(loadBalancerDiff(lb(), { name: 'lb-web' })).toEqual([]);
    });
  });
});
