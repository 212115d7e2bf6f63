import { ERROR_CODES } from '@rpg/routing-policy';

/** One environment of a deployment, from either documented shape. */
export interface EnvironmentDeployment {
  environment: string;
  /** False when any of its entries (pods) reported `success: false`. */
  success: boolean;
  /** True only when every one of its entries said `success: true` (an entry without the flag confirms nothing). */
  confirmed: boolean;
  message?: string;
}

/**
 * Parses both deployment result shapes: `{success, detailList:[{envName, podName, success}]}` (per pod) and
 * `{success, deploymentResults:[{environmentName, success, message}]}` (per environment). An environment failed when any
 * of its pods failed.
 */
export function parseDeploymentResult(result: unknown): { success: boolean; environments: EnvironmentDeployment[] } {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return { success: true, environments: [] };
  const r = result as Record<string, unknown>;
  const envs = new Map<string, EnvironmentDeployment>();
  const add = (name: unknown, success: unknown, message: unknown) => {
    const environment = typeof name === 'string' && name ? name : 'unknown';
    const prev = envs.get(environment);
    envs.set(environment, {
      environment,
      success: success !== false && (prev?.success ?? true),
      confirmed: success === true && (prev?.confirmed ?? true),
      message: (typeof message === 'string' ? message : undefined) ?? prev?.message,
    });
  };
  const entries = (list: unknown): Record<string, unknown>[] =>
    Array.isArray(list) ? list.map((d) => (d && typeof d === 'object' ? (d as Record<string, unknown>) : {})) : [];
  for (const d of entries(r.detailList)) add(d.envName ?? d.environmentName, d.success, d.message);
  for (const d of entries(r.deploymentResults)) add(d.environmentName ?? d.envName, d.success, d.message);
  const environments = [...envs.values()];
  const success = r.success !== false && environments.every((e) => e.success);
  return { success, environments };
}

export interface DeploymentFailure {
  code: string;
  message: string;
}

/**
 * Whether a `deploy: true` PUT answer proves the deployment: every requested environment (or, with none requested, at
 * least one) reported successful. A failure names the failed environments (DEPLOYMENT_FAILED); an answer without
 * `deploymentResult`, one that lists no environment, or one that leaves a requested environment out or unflagged is
 * DEPLOYMENT_UNCONFIRMED. The policy itself was saved either way (Apinizer answered 200).
 */
export function checkDeployment(requested: readonly string[], deploymentResult: unknown): DeploymentFailure | undefined {
  const saved = 'The policy change was saved in Apinizer';
  const present = deploymentResult && typeof deploymentResult === 'object' && !Array.isArray(deploymentResult);
  if (!present) {
    return {
      code: ERROR_CODES.deploymentUnconfirmed,
      message:
        `${saved}, but its deployment is not confirmed: the answer carries no deploymentResult. ` +
        `Check where the API proxy is deployed, or deploy it again.`,
    };
  }
  const parsed = parseDeploymentResult(deploymentResult);
  if (!parsed.success) {
    const failed = parsed.environments.filter((e) => !e.success);
    const names = failed.length ? failed.map((e) => e.environment + (e.message ? ` (${e.message})` : '')).join(', ') : 'unknown environments';
    return { code: ERROR_CODES.deploymentFailed, message: `${saved} but not deployed everywhere: deployment failed in ${names}.` };
  }
  const confirmed = new Set(parsed.environments.filter((e) => e.confirmed && e.environment !== 'unknown').map((e) => e.environment));
  if (confirmed.size === 0) {
    return {
      code: ERROR_CODES.deploymentUnconfirmed,
      message:
        `${saved}, but its deployment is not confirmed: the deploymentResult lists no environment deployed successfully. ` +
        `Check where the API proxy is deployed, or deploy it again.`,
    };
  }
  const missing = requested.filter((env) => !confirmed.has(env));
  if (missing.length) {
    return {
      code: ERROR_CODES.deploymentUnconfirmed,
      message:
        `${saved}, but its deployment is not confirmed in ${missing.join(', ')}: ` +
        `the deploymentResult does not report ${missing.length === 1 ? 'that environment' : 'those environments'} as deployed.`,
    };
  }
  return undefined;
}
