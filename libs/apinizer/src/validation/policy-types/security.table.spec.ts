import { describeTypeCases } from '../testing/policy-type-cases';
import { SECURITY_CASES } from './security.cases';

describe('validateApinizerPolicy: security policy types', () => describeTypeCases(SECURITY_CASES));
