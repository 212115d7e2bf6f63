/**
 * compileDto: a DTO's class-validator rules, read from the decorators' metadata once, as a plain validator function for
 * the hot path. It answers exactly what validateDto's class-validator reading answers (plainToInstance, then validateSync
 * with STRICT_VALIDATION, then flattenValidationErrors): same accept/reject, paths, messages and order, without copying
 * the body into class instances or re-reading the metadata on every request.
 *
 * Why metadata → closures, not DTO → JSON Schema → Ajv: the decorators stay the one source of truth only if the same
 * code decides. Here every check calls the very constraint instance its decorator registered (isString, isUUID,
 * isURL with its options, our ValidateBy closures: notNull, isRedirectPrefix, ...) and words its failure with class-validator's
 * own message code. A JSON Schema cannot hold the ValidateBy closures or validator.js's exact isURL/isUUID semantics,
 * its messages and error order differ (a mapping would be a second copy of the rules), and the OpenAPI schema is a
 * documentation approximation (it has no notNull, no custom rules).
 *
 * What class-validator sees is class-transformer's instance, not the body: nested @Type objects become class instances, and
 * every object is a copy without the keys class-transformer never copies (`__proto__`, `constructor`, Object.prototype
 * method names such as `toString`). Checks known to be blind to that difference (the built-ins that test a type, a
 * primitive value, a length or identity, and notNull, with no message function) run on the plain value. Any other check,
 * and any custom ValidateIf, gets class-validator's own view: the instance plainToInstance builds, made lazily, once per
 * object, only when such a check meets an object or array value or reads `args.object`.
 *
 * Differences by design (the differential specs check the rest):
 * - The result's `value` is the caller's plain object, not a class instance (callers read fields).
 * - class-transformer throws a TypeError on a truthy `constructor` key inside an object with no @Type (it calls
 *   `new value.constructor()`), so class-validator's reading throws where this one answers. checkJsonBody refuses that
 *   key in every body before any DTO sees it.
 * Inputs are JSON values (what JSON.parse returns); Sets, Maps, Dates and the like are out of scope.
 *
 * Anything else it cannot reproduce exactly (@Transform/@Expose/@Exclude, @Type conversions to Number/Date/..., nested
 * validation without @Type, async or unregistered constraints, promise validation, field initializers, methods) makes
 * compileDto throw a DtoCompileError when it compiles the class, never accept silently.
 */
import { ClassConstructor, plainToInstance } from 'class-transformer';
import * as cv from 'class-validator';
import { ValidationArguments, ValidationError, ValidationTypes, ValidatorConstraintInterface, getMetadataStorage } from 'class-validator';
import type { ConstraintMetadata } from 'class-validator/types/metadata/ConstraintMetadata';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { FieldError, NOT_NULL_CONSTRAINT, flattenValidationErrors } from './problem';

// class-transformer keeps @Type/@Transform metadata in a store its index does not export (Nest's pipes load it the same way)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage: transformerStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');
// class-validator's own $property/$value/$constraintN substitution, so messages are worded by its code, not a copy
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ValidationUtils } = require('class-validator/cjs/validation/ValidationUtils') as typeof import('class-validator/types/validation/ValidationUtils');

export interface DtoValidationResult<T> {
  value?: T;
  errors: FieldError[];
}
/** Validates a plain (JSON) value; the errors' paths start with `pathPrefix` (`(body)` for a non-object at the top). */
export type DtoValidator<T> = (value: unknown, pathPrefix: string) => DtoValidationResult<T>;

/** A DTO compileDto cannot reproduce exactly (thrown when the class is compiled, i.e. at startup). */
export class DtoCompileError extends Error {
  override name = 'DtoCompileError';
}

/** validateDto's answer for a value that is not an object (shared by both readings). */
export function notAnObject(value: unknown, pathPrefix: string): FieldError[] | undefined {
  return value === null || typeof value !== 'object' || Array.isArray(value) ? [{ path: pathPrefix || '(body)', message: 'must be an object' }] : undefined;
}

/**
 * IsOptionalNonNull's condition (validation.ts): it reads only the value, so compiled code runs it on the plain body.
 * Any other ValidateIf condition gets class-validator's instance.
 */
export function isPresent(_object: object, value: unknown): boolean {
  return value !== undefined;
}

/** One constraint of one decorator (a decorator's constraint class may have several registrations; class-validator runs each). */
interface Check {
  meta: ValidationMetadata;
  constraint: ConstraintMetadata;
  validator: ValidatorConstraintInterface;
  /** Gives the same answer and message on the plain value as on class-transformer's instance (see BLIND). */
  blind: boolean;
}
interface Condition {
  test: (object: object, value: unknown) => unknown;
  blind: boolean;
}
interface PropertyPlan {
  name: string;
  /** ValidateIf/IsOptional conditions: all must hold for any check to run. */
  conditions: Condition[];
  /** IsDefined first, then the others in metadata order: class-validator's order, which is the order of the messages. */
  checks: Check[];
  nested: ValidationMetadata[];
  /** The @Type class of a @ValidateNested property. */
  nestedPlan?: ClassPlan;
}
interface ClassPlan {
  cls: ClassConstructor<object>;
  /** cls.name (a getter, slow on the hot path): class-validator's targetName. */
  name: string;
  /** `new cls()`, never changed: answers which keys class-transformer skips (see droppedByClassTransformer). */
  probe: Record<string, unknown>;
  known: Set<string>;
  properties: PropertyPlan[];
}

const validationStorage = getMetadataStorage();
const plans = new WeakMap<object, ClassPlan>();
/**
 * Constraints that cannot tell the plain value from class-transformer's instance or copy: they test a type, a primitive
 * value, an array's length or identity, never an object's keys, and their default messages substitute only primitives.
 */
const BLIND: ReadonlySet<string> = new Set([
  NOT_NULL_CONSTRAINT,
  ...[cv.IS_STRING, cv.IS_NUMBER, cv.IS_INT, cv.IS_BOOLEAN, cv.IS_OBJECT, cv.IS_ARRAY, cv.IS_DEFINED, cv.IS_EMPTY, cv.IS_NOT_EMPTY],
  ...[cv.EQUALS, cv.NOT_EQUALS, cv.IS_IN, cv.IS_NOT_IN, cv.IS_ENUM, cv.MIN, cv.MAX, cv.IS_POSITIVE, cv.IS_NEGATIVE],
  ...[cv.MAX_LENGTH, cv.MIN_LENGTH, cv.IS_LENGTH, cv.MATCHES, cv.IS_UUID, cv.IS_URL, cv.ARRAY_MIN_SIZE, cv.ARRAY_MAX_SIZE, cv.ARRAY_NOT_EMPTY],
]);
/** @Type targets class-transformer converts values to (String(value), new Date(value), ...) instead of building a DTO. */
const CONVERTED: ReadonlySet<unknown> = new Set([String, Number, Boolean, Date, Buffer, Map, Set, Object, Array, Promise]);

/** Whether plainToInstance leaves `key` out of the instance (TransformOperationExecutor's skip rules, for a DTO target). */
function droppedByClassTransformer(plan: ClassPlan, key: string): boolean {
  if (key === '__proto__' || key === 'constructor') return true;
  const own = Object.getOwnPropertyDescriptor(plan.cls.prototype, key);
  return (own !== undefined && !own.set) || plan.probe[key] instanceof Function;
}

function isPromiseLike(value: unknown): boolean {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/** One object being validated, and class-validator's instance of it once a check needs it. */
interface Scope {
  plan: ClassPlan;
  object: Record<string, unknown>;
  /** undefined: not built yet; null: class-transformer threw (see the header), the plain object stands in. */
  instance?: Record<string, unknown> | null;
}

/** The instance class-validator validates for this object (built at most once per object). */
function instanceOf(scope: Scope): Record<string, unknown> {
  if (scope.instance === undefined) {
    try {
      scope.instance = plainToInstance(scope.plan.cls, scope.object, { enableImplicitConversion: false }) as Record<string, unknown>;
    } catch {
      scope.instance = null;
    }
  }
  return scope.instance ?? scope.object;
}

/** The value a check or condition sees: the plain one, or class-validator's when it could tell them apart. */
function viewOf(scope: Scope, name: string, value: unknown, blind: boolean): unknown {
  return blind || value === null || typeof value !== 'object' ? value : instanceOf(scope)[name];
}

function args(check: Check, scope: Scope, value: unknown): ValidationArguments {
  const { meta } = check;
  const targetName = scope.plan.name;
  if (check.blind) return { targetName, property: meta.propertyName, object: scope.object, value, constraints: meta.constraints };
  // class-validator passes its instance: built only if the constraint reads it
  const validationArgs = { targetName, property: meta.propertyName, value, constraints: meta.constraints } as ValidationArguments;
  return Object.defineProperty(validationArgs, 'object', { get: () => instanceOf(scope), enumerable: true });
}

function settled(check: Check, scope: Scope, result: unknown): boolean {
  // validateSync would drop the promise and pass the value: a constraint like that is a bug to surface, not to mimic
  if (isPromiseLike(result)) throw new Error(`${scope.plan.name}.${check.meta.propertyName}: constraint ${check.constraint.name} returned a Promise`);
  return Boolean(result);
}

function passes(check: Check, scope: Scope, value: unknown): boolean {
  const validationArgs = args(check, scope, value);
  if (!check.meta.each || !Array.isArray(value)) return settled(check, scope, check.validator.validate(value, validationArgs));
  // every item runs, as class-validator's map/every does
  return value.map((item) => settled(check, scope, check.validator.validate(item, validationArgs))).every(Boolean);
}

/** The constraint type and message class-validator's createValidationError makes for a failed check. */
function failure(check: Check, scope: Scope, value: unknown): [string, string] {
  const { meta, constraint, validator } = check;
  const validationArgs = args(check, scope, value);
  let message = meta.message || '';
  if (!meta.message && validator.defaultMessage instanceof Function) message = validator.defaultMessage(validationArgs);
  return [constraint.name ? constraint.name : meta.type, ValidationUtils.replaceMessageSpecialTokens(message, validationArgs)];
}

function errorNode(property: string): ValidationError {
  const node = new ValidationError();
  node.property = property;
  node.constraints = {};
  node.children = [];
  return node;
}

/** class-validator's nestedValidations on the value class-transformer built from `value` (arrays of the @Type class, or one). */
function nestedInto(prop: PropertyPlan, value: unknown, node: ValidationError | undefined, property: string): ValidationError | undefined {
  if (value === undefined) return node;
  for (const meta of prop.nested) {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        const child = nestedInto(prop, item, undefined, String(index));
        if (child) (node ??= errorNode(property)).children!.push(child);
      });
    } else if (typeof value === 'object' && value !== null) {
      const errors = validateObject(prop.nestedPlan!, value as Record<string, unknown>);
      if (errors) (node ??= errorNode(property)).children!.push(...errors);
    } else {
      // class-validator words this one with the decorated class as the object (so $target reads "Function")
      const target = meta.target as object;
      const validationArgs = { targetName: target.constructor?.name, property: meta.propertyName, object: target, value, constraints: meta.constraints };
      (node ??= errorNode(property)).constraints![meta.type] = ValidationUtils.replaceMessageSpecialTokens(meta.message || '', validationArgs);
    }
  }
  return node;
}

/** class-validator's execute (whitelist, then each property), as ValidationErrors; undefined when the object is valid. */
function validateObject(plan: ClassPlan, object: Record<string, unknown>): ValidationError[] | undefined {
  const scope: Scope = { plan, object };
  let errors: ValidationError[] | undefined;
  for (const key of Object.keys(object)) {
    if (plan.known.has(key) || droppedByClassTransformer(plan, key)) continue;
    const node = errorNode(key);
    node.constraints = { [ValidationTypes.WHITELIST]: `property ${key} should not exist` };
    node.children = undefined;
    (errors ??= []).push(node);
  }
  for (const prop of plan.properties) {
    // own keys only: class-transformer copies nothing else, and the instance's declared fields start undefined
    const value = Object.hasOwn(object, prop.name) ? object[prop.name] : undefined;
    let validate = true;
    // every condition runs, as class-validator's map/reduce does
    for (const { test, blind } of prop.conditions) {
      const ok = blind ? test(object, value) : test(instanceOf(scope), instanceOf(scope)[prop.name]);
      validate = Boolean(ok) && validate;
    }
    if (!validate) continue;
    let node: ValidationError | undefined;
    for (const check of prop.checks) {
      const seen = viewOf(scope, prop.name, value, check.blind);
      if (passes(check, scope, seen)) continue;
      const [type, message] = failure(check, scope, seen);
      (node ??= errorNode(prop.name)).constraints![type] = message;
    }
    if (prop.nested.length) node = nestedInto(prop, value, node, prop.name);
    if (node) (errors ??= []).push(node);
  }
  return errors;
}

function fail(cls: ClassConstructor<object>, property: string | undefined, reason: string): never {
  throw new DtoCompileError(`${cls.name}${property === undefined ? '' : `.${property}`}: ${reason} (compileDto cannot reproduce class-validator exactly)`);
}

/** Classes in the prototype chain below Object, as class-transformer's getAncestors walks them. */
function lineage(cls: ClassConstructor<object>): ClassConstructor<object>[] {
  const chain = [cls];
  for (let base = Object.getPrototypeOf(cls) as ClassConstructor<object>; typeof base.prototype !== 'undefined'; base = Object.getPrototypeOf(base) as never)
    chain.push(base);
  return chain;
}

function checkTransformerMetadata(cls: ClassConstructor<object>): void {
  if (
    transformerStorage.getStrategy(cls) !== 'none' ||
    transformerStorage.getExposedMetadatas(cls).length ||
    transformerStorage.getExcludedMetadatas(cls).length
  )
    fail(cls, undefined, '@Expose/@Exclude rename or drop keys');
  const transforms = (transformerStorage as unknown as { _transformMetadatas?: unknown })._transformMetadatas;
  if (!(transforms instanceof Map)) fail(cls, undefined, "class-transformer's @Transform store is not where this version expected it");
  if (lineage(cls).some((c) => (transforms.get(c) as Map<string, unknown> | undefined)?.size)) fail(cls, undefined, '@Transform rewrites values');
  for (let proto = cls.prototype as object; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object) {
    for (const key of Reflect.ownKeys(proto))
      if (key !== 'constructor') fail(cls, String(key), 'a method or accessor changes which keys class-transformer copies');
  }
}

function checksOf(cls: ClassConstructor<object>, meta: ValidationMetadata): Check[] {
  const constraints = validationStorage.getTargetValidatorConstraints(meta.constraintCls);
  if (!constraints.length) fail(cls, meta.propertyName, 'a constraint class without @ValidatorConstraint (class-validator skips it)');
  return constraints.map((constraint) => {
    if (constraint.async) fail(cls, meta.propertyName, `async constraint ${constraint.name} (validateSync skips it)`);
    const blind = BLIND.has(constraint.name) && typeof meta.message !== 'function';
    return { meta, constraint, validator: constraint.instance, blind };
  });
}

function propertyPlan(plan: ClassPlan, name: string, metadatas: ValidationMetadata[]): PropertyPlan {
  const { cls } = plan;
  if (droppedByClassTransformer(plan, name)) fail(cls, name, 'class-transformer never copies this key');
  const prop: PropertyPlan = { name, conditions: [], checks: [], nested: [] };
  const others: Check[] = [];
  for (const meta of metadatas) {
    if (meta.type === ValidationTypes.WHITELIST) continue;
    else if (meta.type === ValidationTypes.CONDITIONAL_VALIDATION) {
      const test = meta.constraints[0] as Condition['test'];
      // IsOptional reads only object[property], which is the value either way
      prop.conditions.push({ test, blind: test === isPresent || meta.name === cv.IS_OPTIONAL });
    } else if (meta.type === ValidationTypes.IS_DEFINED) prop.checks.push(...checksOf(cls, meta));
    else if (meta.type === ValidationTypes.CUSTOM_VALIDATION) others.push(...checksOf(cls, meta));
    else if (meta.type === ValidationTypes.NESTED_VALIDATION) prop.nested.push(meta);
    else fail(cls, name, `validation type ${meta.type}`);
  }
  prop.checks.push(...others);
  const typeMeta = transformerStorage.findTypeMetadata(cls, name);
  if (!typeMeta) {
    if (prop.nested.length) fail(cls, name, '@ValidateNested without @Type (class-validator would see a plain Object)');
    return prop;
  }
  const reflected = typeMeta.reflectedType as unknown;
  if (typeMeta.options?.discriminator) fail(cls, name, '@Type with a discriminator');
  if (typeMeta.typeFunction.length > 0) fail(cls, name, '@Type whose class depends on the value');
  if (reflected === Map || reflected === Set || (typeof reflected === 'function' && reflected !== Array && 'push' in (reflected.prototype as object)))
    fail(cls, name, 'a Map, Set or array-like field type (class-transformer builds one)');
  const type = typeMeta.typeFunction() as ClassConstructor<object>;
  if (typeof type !== 'function' || CONVERTED.has(type)) fail(cls, name, `@Type(() => ${String((type as { name?: string })?.name)}) converts values`);
  if (prop.nested.length) prop.nestedPlan = planFor(type);
  return prop;
}

function fillPlan(plan: ClassPlan): void {
  const { cls } = plan;
  checkTransformerMetadata(cls);
  // the same lookup validateSync makes (no groups, always: false, strictGroups: false), inheritance included
  const metadatas = validationStorage.getTargetValidationMetadatas(cls, '', false, false);
  if (!metadatas.length) fail(cls, undefined, 'no class-validator decorators (forbidUnknownValues refuses every value)');
  if (metadatas.some((m) => typeof m.propertyName !== 'string')) fail(cls, undefined, 'a symbol-named property');
  const grouped = validationStorage.groupByPropertyName(metadatas);
  const names = Object.keys(grouped);
  for (const name of names) plan.known.add(name);
  for (const name of names) plan.properties.push(propertyPlan(plan, name, grouped[name]));
  for (const key of Object.keys(plan.probe)) {
    if (!plan.known.has(key)) fail(cls, key, 'a field without class-validator decorators (the whitelist refuses every body)');
    if (plan.probe[key] !== undefined) fail(cls, key, 'a field initializer (class-validator sees its default)');
  }
}

/** Classes whose plan the current compileDto call builds (all dropped if it fails: a cycle may hold them). */
let building: object[] = [];

function planFor(cls: ClassConstructor<object>): ClassPlan {
  let plan = plans.get(cls);
  if (plan) return plan;
  const probe = new cls() as Record<string, unknown>;
  plan = { cls, name: cls.name, probe, known: new Set(), properties: [] };
  // registered before its properties, so a DTO nested in itself finds its own (still filling) plan
  plans.set(cls, plan);
  building.push(cls);
  fillPlan(plan);
  return plan;
}

/**
 * Compiles a DTO class (and the classes it nests) once into a validator with validateDto's results. Throws a
 * DtoCompileError for what it cannot reproduce exactly. Assumes STRICT_VALIDATION (whitelist, forbidNonWhitelisted,
 * forbidUnknownValues), the only options validateDto uses.
 */
export function compileDto<T extends object>(cls: ClassConstructor<T>): DtoValidator<T> {
  let plan: ClassPlan;
  building = [];
  try {
    plan = planFor(cls);
  } catch (error) {
    for (const c of building) plans.delete(c);
    throw error;
  }
  return (value, pathPrefix) => {
    const notObject = notAnObject(value, pathPrefix);
    if (notObject) return { errors: notObject };
    const errors = validateObject(plan, value as Record<string, unknown>);
    return errors ? { errors: flattenValidationErrors(errors, pathPrefix) } : { value: value as T, errors: [] };
  };
}
