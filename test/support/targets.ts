/** Update targets on the provider sandbox's seeded resources, for the in-process harness and the fault suites alike. */
import { SEED } from '../../apps/provider-sandbox/src/seed';

export { SEED };

export const l7Target = (n: number) => ({ provider: 'gcore', kind: 'l7policy', projectId: SEED.projectId, regionId: SEED.regionId, id: SEED.l7(n) });
export const lbTarget = (id: string = SEED.lbWeb) => ({ provider: 'gcore', kind: 'loadbalancer', projectId: SEED.projectId, regionId: SEED.regionId, id });
export const apinizerTarget = (policyName: string, apiProxyName = 'petstore') => ({
  provider: 'apinizer',
  kind: 'policy',
  projectName: SEED.apinizerProject,
  apiProxyName,
  policyName,
});

/** The complete policy behind the seeded Apinizer `quota` policy of proxy `orders` (seed it with `replacePolicy: true`: strict lists are summaries). */
export const APINIZER_QUOTA_POLICY = {
  type: 'policy-api-based-quota',
  description: '1000 per day per API key',
  active: true,
  policyCondition: { conditionRuleList: [] },
  targetVariableForIdentity: { name: 'apiKey', type: 'HEADER', headerName: 'X-Api-Key' },
  messageCountForInterval: 1000,
  quotaInterval: 'ONE_DAY',
};
