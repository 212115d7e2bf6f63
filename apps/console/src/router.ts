/**
 * Hash routes, so the gateway serves one static page: #/operations (?status=&reference=), #/operations/<id>, #/submit,
 * #/webhooks. Nothing secret ever goes into a route.
 */
import { useEffect, useState } from 'preact/hooks';
import type { OperationStatus } from '@routing-policy-gateway/client';

export interface OperationFilters {
  status?: OperationStatus;
  reference?: string;
}

export type Route =
  | ({ screen: 'operations' } & OperationFilters)
  | { screen: 'operation'; id: string }
  | { screen: 'submit' }
  | { screen: 'webhooks' }
  | { screen: 'not-found'; path: string };

export const OPERATION_STATUSES: readonly OperationStatus[] = [
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'PARTIALLY_SUCCEEDED',
  'ROLLED_BACK',
  'ROLLBACK_FAILED',
];

const isOperationStatus = (value: string | null): value is OperationStatus => OPERATION_STATUSES.some((s) => s === value);

export function parseHash(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?', 2);
  const params = new URLSearchParams(query);
  if (path === '' || path === '/' || path === '/operations') {
    const status = params.get('status');
    const reference = params.get('reference');
    return { screen: 'operations', status: isOperationStatus(status) ? status : undefined, reference: reference || undefined };
  }
  const operation = /^\/operations\/([^/]+)$/.exec(path);
  if (operation) return { screen: 'operation', id: decodeURIComponent(operation[1]) };
  if (path === '/submit') return { screen: 'submit' };
  if (path === '/webhooks') return { screen: 'webhooks' };
  return { screen: 'not-found', path };
}

export const href = {
  operations(filters: OperationFilters = {}): string {
    const params = new URLSearchParams();
    if (filters.status) params.set('status', filters.status);
    if (filters.reference) params.set('reference', filters.reference);
    const query = params.toString();
    return `#/operations${query ? `?${query}` : ''}`;
  },
  operation: (id: string): string => `#/operations/${encodeURIComponent(id)}`,
  submit: '#/submit',
  webhooks: '#/webhooks',
};

export function navigate(to: string): void {
  location.hash = to;
}

/** The current route, following hash changes (back/forward included). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
