/** Checks of operationMetadata (§2.1): where a policy sits in its proxy and in which order. */
import { APINIZER_ENDPOINT_HTTP_METHODS, APINIZER_TARGET_PIPELINES, APINIZER_TARGET_SCOPES } from '@rpg/routing-policy';
import { ObjectSpec, PolicyFieldError, err, is, isMissing, isObj, join, oneOf, requireWhen, str, validateObject } from './policy-spec.engine';

/**
 * Validate operationMetadata-like fields: targetScope ALL|ENDPOINT, ENDPOINT needs targetEndpoint +
 * targetEndpointHTTPMethod (GET POST PUT DELETE PATCH OPTIONS HEAD TRACE ALL), targetPipeline
 * REQUEST|RESPONSE|ERROR, order integer >= 1 or null. basePath + field names as given, e.g.
 * 'updates[0].changes.targetEndpoint'.
 *
 * Absent fields are fine by default (partial changes); pass `{ complete: true }` for a full
 * operationMetadata, where targetScope and targetPipeline are required.
 */
export function validateOperationMetadata(
  meta: {
    targetScope?: unknown;
    targetEndpoint?: unknown;
    targetEndpointHTTPMethod?: unknown;
    targetPipeline?: unknown;
    order?: unknown;
  },
  basePath: string,
  opts: { complete?: boolean } = {},
): PolicyFieldError[] {
  if (!isObj(meta)) return [err(basePath, 'must be an object')];
  const required = opts.complete === true;
  const spec: ObjectSpec = {
    fields: {
      targetScope: { ...oneOf(APINIZER_TARGET_SCOPES), required },
      targetEndpoint: str(),
      targetEndpointHTTPMethod: oneOf(APINIZER_ENDPOINT_HTTP_METHODS),
      targetPipeline: { ...oneOf(APINIZER_TARGET_PIPELINES), required },
    },
    rules: [
      requireWhen(is('targetScope', 'ENDPOINT'), 'targetScope is ENDPOINT', ['targetEndpoint', 'targetEndpointHTTPMethod']),
      (o, path) =>
        isMissing(o.order) || (typeof o.order === 'number' && Number.isInteger(o.order) && o.order >= 1)
          ? []
          : [err(join(path, 'order'), 'must be an integer >= 1 or null')],
    ],
  };
  return validateObject(meta, spec, basePath, 'is required');
}
