import { FieldDiff, OperationResult, TargetState } from '@rpg/routing-policy';
import { maskApinizerChanges, maskPolicySecrets } from './policy-secrets';

const maskState = (state: TargetState | undefined): TargetState | undefined => state && { ...state, policy: maskPolicySecrets(state.policy) };

/** The value at a dotted path of `policy.`: masked as it would be inside a policy holding only it. */
function maskPolicyValue(path: string, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const segments = path.split('.');
  const holder: Record<string, unknown> = {};
  let node = holder;
  for (const segment of segments.slice(0, -1)) node = node[segment] = {} as Record<string, unknown>;
  node[segments[segments.length - 1]] = value;
  let out = maskPolicySecrets(holder) as Record<string, unknown>;
  for (const segment of segments.slice(0, -1)) out = out[segment] as Record<string, unknown>;
  return out[segments[segments.length - 1]];
}

const maskDiff = (diff: FieldDiff[] | undefined): FieldDiff[] | undefined =>
  diff?.map((d) =>
    d.field.startsWith('policy.')
      ? { ...d, from: maskPolicyValue(d.field.slice(7), d.from), to: maskPolicyValue(d.field.slice(7), d.to) }
      : d.field === 'policy'
        ? { ...d, from: maskPolicySecrets(d.from), to: maskPolicySecrets(d.to) }
        : d,
  );

/** An Apinizer result as shown outside the gateway: credential values masked wherever the policy appears. */
export function maskApinizerResult(result: OperationResult): OperationResult {
  return {
    ...result,
    changes: maskApinizerChanges(result.changes),
    ...(result.before ? { before: maskState(result.before) } : {}),
    ...(result.applied ? { applied: maskState(result.applied) } : {}),
    ...(result.plan ? { plan: result.plan.map((call) => ({ ...call, body: { ...call.body, policy: maskPolicySecrets(call.body.policy) } })) } : {}),
    ...(result.diff ? { diff: maskDiff(result.diff) } : {}),
  };
}
