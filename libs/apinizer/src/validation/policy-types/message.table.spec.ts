import { describeTypeCases } from '../testing/policy-type-cases';
import { MESSAGE_CASES } from './message.cases';

describe('validateApinizerPolicy: message policy types', () => describeTypeCases(MESSAGE_CASES));
