/**
 * The catalogue of policy types (§4): each documented type's spec (from its family's file), the alias spellings, the
 * types the Management API cannot update, and the checks common to every policy.
 */
import { ObjectSpec, bool, list, req, str } from './policy-spec.engine';
import { MESSAGE_POLICY_SPECS } from './policy-types/message.table';
import { SECURITY_POLICY_SPECS } from './policy-types/security.table';
import { TRAFFIC_POLICY_SPECS } from './policy-types/traffic.table';
import { condition } from './variable-and-condition';

const POLICY_SPECS: Readonly<Record<string, ObjectSpec>> = { ...TRAFFIC_POLICY_SPECS, ...SECURITY_POLICY_SPECS, ...MESSAGE_POLICY_SPECS };

/** Other spellings seen in the docs [conflict]: the crud list page says `policy-throttling`. */
const POLICY_TYPE_ALIASES: Readonly<Record<string, string>> = {
  'policy-throttling': 'policy-api-based-throttling',
};

const canonicalType = (type: string): string => POLICY_TYPE_ALIASES[type] ?? type;

const NOT_IMPLEMENTED_TYPES = ['policy-encryption', 'policy-decryption', 'policy-digital-sign', 'policy-digital-sign-verification', 'policy-group'] as const;
const SYSTEM_MANAGED_TYPES = ['policy-request-protocol-transformation', 'policy-response-protocol-transformation'] as const;
export const SYSTEM_MANAGED_POLICY_TYPES: ReadonlySet<string> = new Set<string>(SYSTEM_MANAGED_TYPES);

/** Types the Management API cannot update: not implemented and system-managed. */
export const NON_UPDATABLE_POLICY_TYPES: ReadonlySet<string> = new Set<string>([...NOT_IMPLEMENTED_TYPES, ...SYSTEM_MANAGED_TYPES]);

export const COMMON_SPEC: ObjectSpec = {
  fields: {
    type: req(str()),
    description: str(),
    active: bool(),
    policyCondition: condition(),
    errorMessageList: list(), // item schema undocumented
  },
};

/** The spec of a documented updatable type, by any spelling; undefined for other types. */
export function specFor(type: string): ObjectSpec | undefined {
  const canonical = canonicalType(type);
  return Object.prototype.hasOwnProperty.call(POLICY_SPECS, canonical) ? POLICY_SPECS[canonical] : undefined;
}

/**
 * Fields a policy must carry when the gateway sends it as the caller wrote it (`replacePolicy: true`): the required ones
 * plus those the type page requires although another page's example omits them ([conflict], e.g. policy-script
 * `executionType`). A policy read from Apinizer without them is still accepted (the other reading) and never given one.
 */
const REQUIRED_ON_REPLACEMENT: Readonly<Record<string, readonly string[]>> = {
  'policy-script': ['executionType'],
};

export function requiredFieldsForReplacement(type: string): string[] {
  return [...requiredFieldsForPolicyType(type), ...(REQUIRED_ON_REPLACEMENT[canonicalType(type)] ?? [])];
}

/** Top-level required fields for a type (for '422 missing fields' messages when no current config is known); [] for unknown types. */
export function requiredFieldsForPolicyType(type: string): string[] {
  const spec = specFor(type);
  if (!spec) return [];
  return Object.entries(spec.fields)
    .filter(([, fieldSpec]) => fieldSpec.required === true)
    .map(([name]) => name);
}

/** True for every policy type the reference documents (updatable or not), including known alias spellings. */
export function isKnownPolicyType(type: string): boolean {
  return specFor(type) !== undefined || NON_UPDATABLE_POLICY_TYPES.has(type);
}
