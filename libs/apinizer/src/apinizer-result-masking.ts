import { FieldDiff, OperationResult, TargetState } from '@rpg/routing-policy';
import { maskApinizerChanges, maskPolicySecrets } from './policy-secrets';

const maskState = (state: TargetState | undefined): TargetState | undefined => state && { ...state, policy: maskPolicySecrets(state.policy) };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function getPath(root: unknown, path: string[]): unknown {
  let node = root;
  for (const segment of path) node = isObj(node) ? node[segment] : undefined;
  return node;
}

/** A deep-enough copy of `root` with `value` at `path` (objects on the way copied, the rest shared). */
function withPath(root: Obj, path: string[], value: unknown): Obj {
  const [head, ...rest] = path;
  return { ...root, [head]: rest.length ? withPath(isObj(root[head]) ? root[head] : {}, rest, value) : value };
}

/**
 * Diff values masked in the context of the whole policy: a header's `value` is a credential because of its sibling
 * `name: Authorization`, which a field-by-field diff does not carry. Each side is laid over `context` (the full policy
 * the diff belongs to), masked whole, and read back at the field's path.
 */
function maskDiff(diff: FieldDiff[] | undefined, context: unknown): FieldDiff[] | undefined {
  if (!diff) return diff;
  const base = isObj(context) ? context : {};
  const policyFields = diff.filter((d) => d.field === 'policy' || d.field.startsWith('policy.'));
  if (!policyFields.length) return diff;
  const pathOf = (field: string) => (field === 'policy' ? [] : field.slice('policy.'.length).split('.'));
  const side = (pick: (d: FieldDiff) => unknown) => {
    let whole: Obj = base;
    for (const d of policyFields) {
      const path = pathOf(d.field);
      whole = path.length ? withPath(whole, path, pick(d)) : isObj(pick(d)) ? (pick(d) as Obj) : whole;
    }
    return maskPolicySecrets(whole);
  };
  const from = side((d) => d.from);
  const to = side((d) => d.to);
  return diff.map((d) => {
    if (!policyFields.includes(d)) return d;
    const path = pathOf(d.field);
    const masked = (whole: unknown, raw: unknown) => (raw === null || raw === undefined ? raw : path.length ? getPath(whole, path) : maskPolicySecrets(raw));
    return { ...d, from: masked(from, d.from), to: masked(to, d.to) };
  });
}

/** An Apinizer result as shown outside the gateway: credential values masked wherever the policy appears. */
export function maskApinizerResult(result: OperationResult): OperationResult {
  return {
    ...result,
    changes: maskApinizerChanges(result.changes),
    ...(result.before ? { before: maskState(result.before) } : {}),
    ...(result.applied ? { applied: maskState(result.applied) } : {}),
    ...(result.plan ? { plan: result.plan.map((call) => ({ ...call, body: { ...call.body, policy: maskPolicySecrets(call.body.policy) } })) } : {}),
    ...(result.diff ? { diff: maskDiff(result.diff, result.plan?.[0]?.body?.policy ?? result.applied?.policy ?? result.before?.policy) } : {}),
  };
}
