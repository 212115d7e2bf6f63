import type { ResultError } from './model';

/** Every `result.error.code` the gateway sends: the one documented list (contract §10; OpenAPI enum of ResultErrorDto.code). */
export const ERROR_CODES = {
  validationFailed: 'VALIDATION_FAILED',
  invalidChange: 'INVALID_CHANGE',
  currentConfigUnknown: 'CURRENT_CONFIG_UNKNOWN',
  providerAuth: 'PROVIDER_AUTH',
  targetNotFound: 'TARGET_NOT_FOUND',
  taskNotFound: 'TASK_NOT_FOUND',
  resourceLocked: 'RESOURCE_LOCKED',
  rateLimited: 'RATE_LIMITED',
  providerUnavailable: 'PROVIDER_UNAVAILABLE',
  providerTimeout: 'PROVIDER_TIMEOUT',
  providerError: 'PROVIDER_ERROR',
  taskFailed: 'TASK_FAILED',
  taskTimeout: 'TASK_TIMEOUT',
  deploymentFailed: 'DEPLOYMENT_FAILED',
  deploymentUnconfirmed: 'DEPLOYMENT_UNCONFIRMED',
  internalError: 'INTERNAL_ERROR',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
export const ALL_ERROR_CODES: readonly ErrorCode[] = Object.values(ERROR_CODES);

/**
 * The unified code of a provider's HTTP error status. `hints` carry what only the body tells (Apinizer reports a missing
 * policy as 400 "does not exist" and rate limits by body).
 */
export function errorCodeForStatus(status: number, hints: { notFound?: boolean; rateLimited?: boolean } = {}): string {
  if (status === 401 || status === 403) return ERROR_CODES.providerAuth;
  if (status === 404 || hints.notFound) return ERROR_CODES.targetNotFound;
  if (status === 429 || hints.rateLimited) return ERROR_CODES.rateLimited;
  if (status >= 500) return ERROR_CODES.providerUnavailable;
  if (status === 400 || status === 422) return ERROR_CODES.validationFailed;
  return ERROR_CODES.providerError;
}

/**
 * A provider call that failed for good, already in the unified shape (code, message, provider status and body).
 * `retryable` marks failures worth another job attempt later (provider down, circuit open).
 */
export class ProviderError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly providerStatus?: number,
    readonly providerBody?: unknown,
    readonly retryable = false,
    readonly fieldErrors?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  toResultError(): ResultError {
    return {
      code: this.code,
      message: this.message,
      ...(this.providerStatus !== undefined ? { providerStatus: this.providerStatus } : {}),
      ...(this.providerBody !== undefined ? { providerBody: this.providerBody } : {}),
    };
  }
}
