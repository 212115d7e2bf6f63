import { ERROR_CODES, ProviderError } from '@rpg/routing-policy';
import type { GcoreErrorBody } from './gcore.types';

/** Gcore's `{exception_class, message, request_id, invalid_fields}` → the unified error. */
export function mapGcoreError(status: number, body: unknown, what: string): ProviderError {
  const err = (body && typeof body === 'object' ? body : {}) as GcoreErrorBody;
  const invalid = err.invalid_fields
    ? ' (' + Object.entries(err.invalid_fields).map(([field, reasons]) => `${field}: ${[reasons].flat().join(' ')}`).join('; ') + ')'
    : '';
  const providerMessage = (err.message ?? (typeof body === 'string' && body ? body.slice(0, 500) : `HTTP ${status}`)) + invalid;
  const code =
    status === 401 || status === 403
      ? ERROR_CODES.providerAuth
      : status === 404
        ? ERROR_CODES.targetNotFound
        : status === 409
          ? ERROR_CODES.resourceLocked
          : status === 429
            ? ERROR_CODES.rateLimited
            : status >= 500
              ? ERROR_CODES.providerUnavailable
              : status === 400 || status === 422
                ? ERROR_CODES.validationFailed
                : ERROR_CODES.providerError;
  return new ProviderError(code, `Gcore ${what} failed with ${status}: ${providerMessage}`, status, body);
}
