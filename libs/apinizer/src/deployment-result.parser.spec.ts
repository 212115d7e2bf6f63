import { ERROR_CODES } from '@rpg/routing-policy';
import { checkDeployment, parseDeploymentResult } from './deployment-result.parser';

type Obj = Record<string, any>;

const pod = (envName: string, success: boolean, n = 0): Obj => ({
  envName,
  podName: `worker-${envName}-${n}`,
  podIp: `10.0.0.${n}`,
  success,
  responseTime: 12,
});

describe('parseDeploymentResult', () => {
  it.each<[string, Obj | null | undefined]>([
    ['null (deploy: false)', null],
    ['undefined', undefined],
  ])('%s is a success with no environments', (_name, input) => {
    expect(parseDeploymentResult(input)).toEqual({ success: true, environments: [] });
  });

  describe('per-pod shape {success, responseTime, detailList:[{envName, podName, success}]}', () => {
    it('all pods deployed', () => {
      expect(parseDeploymentResult({ success: true, responseTime: 40, detailList: [pod('dev', true), pod('prod', true)] })).toEqual({
        success: true,
        environments: [
          { environment: 'dev', success: true, confirmed: true, message: undefined },
          { environment: 'prod', success: true, confirmed: true, message: undefined },
        ],
      });
    });

    it('one environment failed', () => {
      const r = parseDeploymentResult({ success: false, detailList: [pod('dev', true), pod('prod', false)] });
      expect(r.success).toBe(false);
      expect(r.environments.filter((e) => !e.success).map((e) => e.environment)).toEqual(['prod']);
    });

    it('an environment failed when any of its pods failed, whatever the pod order', () => {
      for (const pods of [
        [pod('prod', false, 0), pod('prod', true, 1)],
        [pod('prod', true, 0), pod('prod', false, 1)],
      ]) {
        const r = parseDeploymentResult({ success: false, detailList: [pod('dev', true), ...pods] });
        expect(r.environments).toEqual([
          { environment: 'dev', success: true, confirmed: true, message: undefined },
          { environment: 'prod', success: false, confirmed: false, message: undefined },
        ]);
      }
    });

    it('a failed pod fails the result even when the top-level flag says success', () => {
      expect(parseDeploymentResult({ success: true, detailList: [pod('dev', false)] }).success).toBe(false);
    });

    it('a pod without an environment name counts as "unknown"', () => {
      expect(parseDeploymentResult({ success: false, detailList: [{ podName: null, success: false }] }).environments).toEqual([
        { environment: 'unknown', success: false, confirmed: false, message: undefined },
      ]);
    });
  });

  describe('per-environment shape {success, deploymentResults:[{environmentName, success, message}]}', () => {
    it('all environments deployed', () => {
      expect(
        parseDeploymentResult({
          success: true,
          deploymentResults: [
            { environmentName: 'dev', success: true, message: 'ok dev' },
            { environmentName: 'prod', success: true, message: 'ok prod' },
          ],
        }),
      ).toEqual({
        success: true,
        environments: [
          { environment: 'dev', success: true, confirmed: true, message: 'ok dev' },
          { environment: 'prod', success: true, confirmed: true, message: 'ok prod' },
        ],
      });
    });

    it('one environment failed, with its message', () => {
      const r = parseDeploymentResult({
        success: false,
        deploymentResults: [
          { environmentName: 'dev', success: true, message: 'ok' },
          { environmentName: 'prod', success: false, message: 'ApiProxy(petstore) can not be deployed to Environment(prod) because it is not exist!' },
        ],
      });
      expect(r.success).toBe(false);
      expect(r.environments[1]).toEqual({
        environment: 'prod',
        success: false,
        confirmed: false,
        message: 'ApiProxy(petstore) can not be deployed to Environment(prod) because it is not exist!',
      });
    });

    it('accepts envName in this shape too', () => {
      expect(parseDeploymentResult({ success: true, deploymentResults: [{ envName: 'dev', success: true }] }).environments[0].environment).toBe('dev');
    });
  });

  it('a top-level success:false fails the result even with no environment listed', () => {
    expect(parseDeploymentResult({ success: false })).toEqual({ success: false, environments: [] });
    expect(parseDeploymentResult({ success: false, deploymentResults: [{ environmentName: 'dev', success: true }] }).success).toBe(false);
  });

  it('a missing success flag on an environment is not a failure, nor a confirmation', () => {
    expect(parseDeploymentResult({ deploymentResults: [{ environmentName: 'dev' }] })).toEqual({
      success: true,
      environments: [{ environment: 'dev', success: true, confirmed: false, message: undefined }],
    });
  });

  it('an environment with one confirmed pod and one unflagged pod is not confirmed', () => {
    expect(parseDeploymentResult({ detailList: [pod('dev', true), { envName: 'dev', podName: 'p1' }] }).environments).toEqual([
      { environment: 'dev', success: true, confirmed: false, message: undefined },
    ]);
  });

  it('ignores lists that are not arrays', () => {
    expect(parseDeploymentResult({ success: true, detailList: 'x', deploymentResults: {} })).toEqual({ success: true, environments: [] });
  });
});

describe('checkDeployment (deploy: true answers)', () => {
  const perEnv = (...envs: [string, boolean | undefined][]): Obj => ({
    success: true,
    deploymentResults: envs.map(([environmentName, success]) => ({ environmentName, success })),
  });

  it.each<[string, string[], unknown]>([
    ['every requested environment deployed (per pod)', ['dev', 'prod'], { success: true, detailList: [pod('dev', true), pod('prod', true, 1)] }],
    ['every requested environment deployed (per environment)', ['dev'], perEnv(['dev', true])],
    ['nothing requested, the answer names where it deployed', [], perEnv(['dev', true])],
  ])('confirmed: %s', (_name, requested, result) => {
    expect(checkDeployment(requested, result)).toBeUndefined();
  });

  it.each<[string, string[], unknown, RegExp]>([
    ['no deploymentResult', ['dev'], null, /no deploymentResult/],
    ['deploymentResult not an object', ['dev'], 'done', /no deploymentResult/],
    ['an empty detailList', ['dev'], { success: true, responseTime: 3, detailList: [] }, /lists no environment/],
    ['an empty deploymentResults', [], { success: true, deploymentResults: [] }, /lists no environment/],
    ['only success: true, no list', ['dev'], { success: true }, /lists no environment/],
    ['a requested environment left out', ['dev', 'prod'], perEnv(['dev', true]), /not confirmed in prod/],
    ['a requested environment without a success flag', ['dev'], perEnv(['dev', undefined]), /lists no environment/],
    ['entries without an environment name', ['dev'], { success: true, detailList: [{ podName: 'p', success: true }] }, /lists no environment/],
  ])('DEPLOYMENT_UNCONFIRMED: %s', (_name, requested, result, message) => {
    const failure = checkDeployment(requested, result);
    expect(failure?.code).toBe(ERROR_CODES.deploymentUnconfirmed);
    expect(failure?.message).toMatch(/saved in Apinizer/);
    expect(failure?.message).toMatch(message);
  });

  it('a failed environment is DEPLOYMENT_FAILED naming it, even when another one is unreported', () => {
    const failure = checkDeployment(['dev', 'prod', 'qa'], { success: false, detailList: [pod('dev', true), pod('prod', false)] });
    expect(failure?.code).toBe(ERROR_CODES.deploymentFailed);
    expect(failure?.message).toMatch(/saved in Apinizer but not deployed everywhere: deployment failed in prod/);
  });
});
