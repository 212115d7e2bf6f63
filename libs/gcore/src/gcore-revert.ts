import { GcoreL7PolicyChangesDto, GcoreLoadBalancerChangesDto, L7_ACTION_FIELD, L7_ACTIONS_WITH_HTTP_CODE, TargetState } from '@rpg/routing-policy';

/**
 * The L7 changes that restore `before` (its unified fields): action and its field, the redirect code where the action
 * takes one, name, position and tags. A complete body: Gcore's PATCH needs action and its field anyway.
 */
export function l7PolicyRevertChanges(before: TargetState): GcoreL7PolicyChangesDto {
  const action = before.action as NonNullable<GcoreL7PolicyChangesDto['action']>;
  const changes: GcoreL7PolicyChangesDto = { action, name: before.name as string, position: before.position as number, tags: (before.tags as string[]) ?? [] };
  const field = L7_ACTION_FIELD[action];
  if (field) (changes as Record<string, unknown>)[field] = before[field];
  if (L7_ACTIONS_WITH_HTTP_CODE.has(action) && before.redirectHttpCode != null) changes.redirectHttpCode = before.redirectHttpCode as 301;
  return changes;
}

/**
 * The load balancer changes that restore `before` from `current`: the name, connectivity and logging where they
 * differ, and tags as a JSON Merge Patch — `before`'s values, and null for each tag added since.
 */
export function loadBalancerRevertChanges(before: TargetState, current: TargetState | undefined): GcoreLoadBalancerChangesDto {
  const differs = (field: string) => !current || JSON.stringify(current[field]) !== JSON.stringify(before[field]);
  const changes: GcoreLoadBalancerChangesDto = { name: before.name as string };
  if (before.preferredConnectivity != null && differs('preferredConnectivity')) {
    changes.preferredConnectivity = before.preferredConnectivity as GcoreLoadBalancerChangesDto['preferredConnectivity'];
  }
  if (differs('logging')) {
    const logging = before.logging as Record<string, unknown> | null;
    // never configured before: switching it off is the closest state the PATCH can express
    changes.logging = logging
      ? ({
          enabled: logging.enabled,
          ...(logging.topicName != null ? { topicName: logging.topicName } : {}),
          ...(logging.destinationRegionId != null ? { destinationRegionId: logging.destinationRegionId } : {}),
          retentionPolicy: logging.retentionPolicy ?? null,
        } as GcoreLoadBalancerChangesDto['logging'])
      : { enabled: false };
  }
  const beforeTags = (before.tags as Record<string, string>) ?? {};
  const currentTags = (current?.tags as Record<string, string> | undefined) ?? {};
  const patch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(beforeTags)) if (currentTags[key] !== value) patch[key] = value;
  for (const key of Object.keys(currentTags)) if (!(key in beforeTags)) patch[key] = null;
  if (Object.keys(patch).length) changes.tags = patch;
  return changes;
}
