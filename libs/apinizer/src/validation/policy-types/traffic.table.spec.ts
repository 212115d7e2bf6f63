import { describeTypeCases } from '../testing/policy-type-cases';
import { TRAFFIC_CASES } from './traffic.cases';

describe('validateApinizerPolicy: traffic policy types', () => describeTypeCases(TRAFFIC_CASES));
