/**
 * Shared by the per-type table specs: a valid policy per type, edits that keep it valid, and edits that break it. Jest is
 * imported, not global, as the build compiles this file too (only *.spec.ts are left out).
 */
import { describe, expect, it } from '@jest/globals';
import { validateApinizerPolicy } from '../apinizer-policy-validator';

export type Obj = Record<string, unknown>;

export const BASE = 'updates[2].changes.policy';
export const at = (rel: string): string => `${BASE}.${rel}`;
export const header = (headerName = 'X-API-Key'): Obj => ({ type: 'HEADER', headerName });

/** Deep copy of `policy` with `edit` applied (edit mutates the copy). */
function edited(policy: Obj, edit: (p: any) => void): Obj {
  const copy = JSON.parse(JSON.stringify(policy)) as Obj;
  edit(copy);
  return copy;
}

export interface InvalidCase {
  name: string;
  edit: (p: any) => void;
  path: string; // relative to BASE
  message: string;
}
export interface TypeCase {
  type: string;
  valid: Obj;
  alsoValid?: Array<{ name: string; edit: (p: any) => void }>;
  invalid: InvalidCase[];
}

/** One describe per type: the valid policy passes, each `alsoValid` edit passes, each `invalid` edit names its field. */
export function describeTypeCases(cases: TypeCase[]): void {
  describe.each(cases.map((c) => [c.type, c] as const))('%s', (_type, c) => {
    it('accepts the valid full policy', () => {
      expect(validateApinizerPolicy(c.valid, BASE)).toEqual([]);
    });

    if (c.alsoValid?.length) {
      it.each(c.alsoValid.map((v) => [v.name, v] as const))('accepts: %s', (_name, v) => {
        expect(validateApinizerPolicy(edited(c.valid, v.edit), BASE)).toEqual([]);
      });
    }

    it.each(c.invalid.map((v) => [v.name, v] as const))('rejects: %s', (_name, v) => {
      const errors = validateApinizerPolicy(edited(c.valid, v.edit), BASE);
      expect(errors).toContainEqual({ path: at(v.path), message: v.message });
    });
  });
}
