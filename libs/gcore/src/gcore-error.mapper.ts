import { ERROR_CODES, ProviderError, errorCodeForStatus } from '@rpg/routing-policy';
import type { GcoreErrorBody } from './gcore.types';

/** Gcore's `{exception_class, message, request_id, invalid_fields}` → the unified error. */
export function mapGcoreError(status: number, body: unknown, what: string): ProviderError {
  const err = (body && typeof body === 'object' ? body : {}) as GcoreErrorBody;
  const invalid = err.invalid_fields
    ? ' (' +
      Object.entries(err.invalid_fields)
        .map(([field, reasons]) => `${field}: ${[reasons].flat().join(' ')}`)
        .join('; ') +
      ')'
    : '';
  const providerMessage = (err.message ?? (typeof body === 'string' && body ? body.slice(0, 500) : `HTTP ${status}`)) + invalid;
  // Gcore's 409 means the resource is locked by a running task
  const code = status === 409 ? ERROR_CODES.resourceLocked : errorCodeForStatus(status);
  return new ProviderError(code, `Gcore ${what} failed with ${status}: ${providerMessage}`, { providerStatus: status, providerBody: body });
}
