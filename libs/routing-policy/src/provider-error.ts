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
  cancelledByRollout: 'CANCELLED_BY_ROLLOUT',
  internalError: 'INTERNAL_ERROR',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
export const ALL_ERROR_CODES: readonly ErrorCode[] = Object.values(ERROR_CODES);

/** What each code means (the OpenAPI description of ResultErrorDto.code is built from this). */
export const ERROR_CODE_DESCRIPTIONS: Readonly<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'The provider refused the change as invalid (its 400/422); providerBody says why.',
  INVALID_CHANGE: 'The change cannot be applied to the current policy (checked before any write); `errors` names the fields.',
  CURRENT_CONFIG_UNKNOWN:
    'Apinizer did not return the full current policy (a summary list, possibly without names) and this gateway never applied it: ' +
    'a partial change cannot be merged (send the complete policy with `changes.replacePolicy: true`), and a lookup cannot show the policy.',
  PROVIDER_AUTH: "The provider refused the gateway's credentials (401/403).",
  TARGET_NOT_FOUND: 'The target does not exist at the provider.',
  TASK_NOT_FOUND: 'The provider does not know the task its write returned (still unknown after the bounded retry).',
  RESOURCE_LOCKED: 'The resource stayed locked by another running provider task longer than the lock wait.',
  RATE_LIMITED: 'The provider kept answering "too many requests" through every attempt (an update: for PROVIDER_OUTAGE_BUDGET_MS).',
  PROVIDER_UNAVAILABLE:
    'The provider could not be reached or answered 5xx through every attempt (or its circuit is open); for an update, a 502/503/504 ' +
    'or unreachable provider is retried for PROVIDER_OUTAGE_BUDGET_MS (while the result shows `retrying`) before this.',
  PROVIDER_TIMEOUT: "Lookup only: the provider did not answer within the lookup's time budget for one target.",
  PROVIDER_ERROR: 'The provider answered something unexpected or malformed.',
  TASK_FAILED: "The provider's asynchronous task ended in ERROR; the message carries its error text.",
  TASK_TIMEOUT: "The provider's task did not end within GCORE_TASK_TIMEOUT_MS.",
  DEPLOYMENT_FAILED: 'Apinizer saved the policy but its deployment failed in at least one environment.',
  DEPLOYMENT_UNCONFIRMED: 'Apinizer saved the policy but did not confirm a deployment to any environment.',
  CANCELLED_BY_ROLLOUT:
    'A staged rollout stopped before this target (an earlier target failed and onFailure is halt or revert), or its compensation found the ' +
    'target changed since the rollout wrote it: nothing was written to it.',
  INTERNAL_ERROR: "The gateway itself failed (a bug); the operation id finds the details in the gateway's logs.",
};

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

/** What a provider error carries beyond its code and message. */
export interface ProviderErrorDetails {
  providerStatus?: number;
  providerBody?: unknown;
  /** Worth another job attempt later (provider down, circuit open). */
  retryable?: boolean;
  /** The fields at fault (a change refused before any write). */
  fieldErrors?: { path: string; message: string }[];
}

/** A provider call that failed for good, already in the unified shape (code, message, provider status and body). */
export class ProviderError extends Error {
  readonly providerStatus?: number;
  readonly providerBody?: unknown;
  readonly retryable: boolean;
  readonly fieldErrors?: { path: string; message: string }[];

  constructor(
    readonly code: string,
    message: string,
    details: ProviderErrorDetails = {},
  ) {
    super(message);
    this.name = 'ProviderError';
    this.providerStatus = details.providerStatus;
    this.providerBody = details.providerBody;
    this.retryable = details.retryable ?? false;
    this.fieldErrors = details.fieldErrors;
  }

  toResultError(): ResultError {
    return {
      code: this.code,
      message: this.message,
      ...(this.providerStatus !== undefined ? { providerStatus: this.providerStatus } : {}),
      ...(this.providerBody !== undefined ? { providerBody: this.providerBody } : {}),
      ...(this.fieldErrors?.length ? { errors: this.fieldErrors } : {}),
    };
  }
}
