/** One environment of a deployment, from either documented shape. */
export interface EnvironmentDeployment {
  environment: string;
  success: boolean;
  message?: string;
}

/**
 * Parses both deployment result shapes: `{success, detailList:[{envName, podName, success}]}` (per pod) and
 * `{success, deploymentResults:[{environmentName, success, message}]}` (per environment). An environment failed when any
 * of its pods failed.
 */
export function parseDeploymentResult(result: Record<string, unknown> | null | undefined): { success: boolean; environments: EnvironmentDeployment[] } {
  if (!result) return { success: true, environments: [] };
  const envs = new Map<string, EnvironmentDeployment>();
  const add = (name: unknown, success: unknown, message: unknown) => {
    const environment = typeof name === 'string' && name ? name : 'unknown';
    const prev = envs.get(environment);
    const ok = success !== false && (prev?.success ?? true);
    envs.set(environment, { environment, success: ok, message: (typeof message === 'string' ? message : undefined) ?? prev?.message });
  };
  if (Array.isArray(result.detailList)) {
    for (const d of result.detailList as Record<string, unknown>[]) add(d?.envName ?? d?.environmentName, d?.success, d?.message);
  }
  if (Array.isArray(result.deploymentResults)) {
    for (const d of result.deploymentResults as Record<string, unknown>[]) add(d?.environmentName ?? d?.envName, d?.success, d?.message);
  }
  const environments = [...envs.values()];
  const success = result.success !== false && environments.every((e) => e.success);
  return { success, environments };
}
