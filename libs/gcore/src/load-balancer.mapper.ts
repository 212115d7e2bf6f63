import { FieldDiff, GcoreLoadBalancerChangesDto, applyMergePatch, diffFields } from '@rpg/routing-policy';
import type { GcoreLoadBalancer } from './gcore.types';

/** Unified view of a load balancer (user tags as an object). */
export function unifiedLoadBalancer(lb: GcoreLoadBalancer): Record<string, unknown> {
  const tags: Record<string, string> = {};
  for (const t of lb.tags_v2 ?? []) if (!t.read_only) tags[t.key] = t.value;
  return {
    name: lb.name,
    preferredConnectivity: lb.preferred_connectivity ?? null,
    logging: lb.logging
      ? {
          enabled: lb.logging.enabled ?? false,
          topicName: lb.logging.topic_name ?? null,
          destinationRegionId: lb.logging.destination_region_id ?? null,
          retentionPolicy: lb.logging.retention_policy ?? null,
        }
      : null,
    tags,
  };
}

/** Our load balancer changes → Gcore's v1 PATCH body. Tags pass through untouched: Gcore applies them as a JSON Merge Patch. */
export function toLoadBalancerPatch(changes: GcoreLoadBalancerChangesDto): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (changes.name !== undefined) body.name = changes.name;
  if (changes.preferredConnectivity !== undefined) body.preferred_connectivity = changes.preferredConnectivity;
  if (changes.logging !== undefined) {
    const l = changes.logging;
    const logging: Record<string, unknown> = {};
    if (l.enabled !== undefined) logging.enabled = l.enabled;
    if (l.topicName !== undefined) logging.topic_name = l.topicName;
    if (l.destinationRegionId !== undefined) logging.destination_region_id = l.destinationRegionId;
    if (l.retentionPolicy !== undefined) logging.retention_policy = l.retentionPolicy === null ? null : { period: l.retentionPolicy.period };
    body.logging = logging;
  }
  if (changes.tags !== undefined) body.tags = changes.tags;
  return body;
}

/** What the load balancer would look like after the patch, in unified fields (dry-run diff). */
export function loadBalancerDiff(current: GcoreLoadBalancer, changes: GcoreLoadBalancerChangesDto): FieldDiff[] {
  const before = unifiedLoadBalancer(current);
  const after: Record<string, unknown> = { ...before };
  if (changes.name !== undefined) after.name = changes.name;
  if (changes.preferredConnectivity !== undefined) after.preferredConnectivity = changes.preferredConnectivity;
  if (changes.logging !== undefined) after.logging = { ...(before.logging as object), ...changes.logging };
  if (changes.tags !== undefined) {
    // read-only tags never change (Gcore ignores them in the patch)
    const readOnly = new Set((current.tags_v2 ?? []).filter((t) => t.read_only).map((t) => t.key));
    const patch = changes.tags === null ? null : Object.fromEntries(Object.entries(changes.tags).filter(([key]) => !readOnly.has(key)));
    after.tags = patch === null ? {} : applyMergePatch(before.tags, patch);
  }
  return diffFields(before, after);
}
