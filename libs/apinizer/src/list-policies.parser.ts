import { sameApinizerPolicyName } from './apinizer-changes.check';
import type { ApinizerPipeline, ApinizerPolicy, ApinizerScope, LocatedPolicy } from './apinizer.types';

const PIPELINE_LISTS: [string, ApinizerPipeline][] = [
  ['requestPolicyList', 'REQUEST'],
  ['responsePolicyList', 'RESPONSE'],
  ['errorPolicyList', 'ERROR'],
];

/**
 * Reads both documented List Policies envelopes — `{status, resultList:[proxy]}` and `{success, resultList:[{apiProxy}]}` —
 * and returns the proxy object, or undefined when the answer has neither shape.
 */
export function extractProxy(body: unknown): Record<string, unknown> | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const list = (body as { resultList?: unknown }).resultList;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const first = list[0] as Record<string, unknown>;
  if (first && typeof first === 'object' && first.apiProxy && typeof first.apiProxy === 'object') return first.apiProxy as Record<string, unknown>;
  return first && typeof first === 'object' ? first : undefined;
}

/** Every policy of the proxy with its scope, pipeline, endpoint and position. */
export function locatePolicies(proxy: Record<string, unknown>): LocatedPolicy[] {
  const out: LocatedPolicy[] = [];
  const collect = (holder: Record<string, unknown>, scope: ApinizerScope, endpoint?: string, method?: string) => {
    for (const [listName, pipeline] of PIPELINE_LISTS) {
      const list = holder[listName];
      if (!Array.isArray(list)) continue;
      list.forEach((policy, index) => {
        if (policy && typeof policy === 'object') out.push({ policy: policy as ApinizerPolicy, scope, pipeline, endpoint, method, index });
      });
    }
  };
  collect(proxy, 'ALL');
  const endpoints = proxy.endpointList;
  if (Array.isArray(endpoints)) {
    for (const ep of endpoints) {
      if (!ep || typeof ep !== 'object') continue;
      const e = ep as Record<string, unknown>;
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- provider JSON: whatever Apinizer sent is shown as text
      collect(e, 'ENDPOINT', String(e.endpoint ?? e.name ?? ''), String(e.httpMethod ?? e.method ?? 'ALL'));
    }
  }
  return out;
}

/** Finds a policy by name: exact match first, then case-insensitive (Apinizer matches names case-insensitively on delete). */
export function findPolicy(proxy: Record<string, unknown>, name: string): LocatedPolicy | undefined {
  const all = locatePolicies(proxy);
  return all.find((p) => p.policy.name === name) ?? all.find((p) => typeof p.policy.name === 'string' && sameApinizerPolicyName(p.policy.name, name));
}

/**
 * True when every policy item carries a name, so the list is a complete index: a name missing from it does not exist.
 * The crud page's summary items have no `name`; with any such item, an absent name may be that item.
 */
export function listNamesEveryPolicy(proxy: Record<string, unknown>): boolean {
  return locatePolicies(proxy).every((p) => typeof p.policy.name === 'string' && p.policy.name !== '');
}
