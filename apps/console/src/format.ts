/** How targets, values and times read on screen. */
import type { Target } from '@routing-policy-gateway/client';

/** `Gcore L7 policy d1b2…0001`, `Apinizer policy demo / petstore / rate-limit`. */
export function targetLabel(target: Target | Record<string, unknown>): string {
  const t = target as Partial<Record<string, unknown>>;
  if (t.provider === 'apinizer') return `Apinizer policy ${String(t.projectName)} / ${String(t.apiProxyName)} / ${String(t.policyName)}`;
  if (t.provider === 'gcore' && t.kind === 'l7policy') return `Gcore L7 policy ${String(t.id)}`;
  if (t.provider === 'gcore' && t.kind === 'loadbalancer') return `Gcore load balancer ${String(t.id)}`;
  return JSON.stringify(target);
}

/** The provider and kind alone: `Gcore L7 policy`. */
export function targetKind(target: Target | Record<string, unknown>): string {
  const t = target as Partial<Record<string, unknown>>;
  if (t.provider === 'apinizer') return 'Apinizer policy';
  if (t.kind === 'l7policy') return 'Gcore L7 policy';
  if (t.kind === 'loadbalancer') return 'Gcore load balancer';
  return `${String(t.provider)} ${String(t.kind)}`;
}

/** Where the target is, beside its id: `project 1, region 76`. */
export function targetPlace(target: Target | Record<string, unknown>): string {
  const t = target as Partial<Record<string, unknown>>;
  if (t.provider === 'gcore') return `project ${String(t.projectId)}, region ${String(t.regionId)}`;
  return '';
}

/** A scalar as written in JSON (strings quoted), anything else as compact JSON; absent as an em dash. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '—';
  return JSON.stringify(value);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Words of an UPPER_CASE status: `PARTIALLY_SUCCEEDED` → `PARTIALLY SUCCEEDED`. */
export function statusWords(status: string): string {
  return status.replace(/_/g, ' ');
}
