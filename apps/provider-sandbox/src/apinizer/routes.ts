import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApinizerListMode, SandboxConfig } from '../config';
import { type SandboxContext, writeMods } from '../context';
import { type ValidationIssue, sendApinizerError } from './errors';
import type { ApinizerPolicy, ApinizerProxy, PolicyLists } from './model';
import { type Target, checkMetadata, checkPolicy, isObj, storedPolicy, targetList } from './validation';

type ProxyParams = { project: string; proxy: string };
type PolicyParams = ProxyParams & { policyName: string };

const LIST_KEYS: readonly (keyof PolicyLists)[] = ['requestPolicyList', 'responsePolicyList', 'errorPolicyList'];

interface PolicyLocation {
  list: ApinizerPolicy[];
  index: number;
  policy: ApinizerPolicy;
}

/** Finds a policy by name anywhere in the proxy (proxy-level lists, then endpoint lists). */
function findPolicy(proxy: ApinizerProxy, name: string, ignoreCase = false): PolicyLocation | null {
  const lower = name.toLowerCase();
  const same = (p: ApinizerPolicy): boolean => (ignoreCase ? p.name.toLowerCase() === lower : p.name === name);
  for (const holder of [proxy, ...proxy.endpointList]) {
    for (const key of LIST_KEYS) {
      const list = holder[key];
      const index = list.findIndex(same);
      if (index !== -1) return { list, index, policy: list[index] };
    }
  }
  return null;
}

/**
 * Checks `Authorization: Bearer <token>`. Returns [error, description] or null. Strict mode answers every refusal with
 * `unauthorized_client` (one of the three documented 401 codes, and the one a client could mistake for bad credentials).
 */
export function checkApinizerAuth(ctx: SandboxContext, header: string | undefined, now: number): [string, string] | null {
  const denied = (code: string, description: string): [string, string] => [ctx.config.strict ? 'unauthorized_client' : code, description];
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) return denied('invalid_token', 'Full authentication is required to access this resource');
  const token = m[1];
  if (token === ctx.config.apinizerToken) return null;
  const expiresAt = ctx.apinizerTokens.get(token);
  if (expiresAt === undefined) return denied('invalid_token', 'Invalid access token');
  if (now >= expiresAt) return denied('token_expired', 'Access token expired');
  return null;
}

/** The list mode in effect: `auto` is the full `status` list, or the crud page's nameless summary in strict mode. */
function effectiveListMode(config: SandboxConfig): ApinizerListMode {
  if (config.apinizerListMode !== 'auto') return config.apinizerListMode;
  return config.strict ? 'summary-nameless' : 'status';
}

/** Paths of the Apinizer API that need no token. */
export function isApinizerPublicPath(path: string): boolean {
  return path === '/apiops/test/healthcheck' || path === '/apiops/test/healthcheck/' || path === '/apiops/auth/token' || path === '/apiops/auth/token/';
}

/** Summary items: `{name, type, active, description}`, or the crud page's `{type, active, description}` without a name. */
function summaryOf(list: ApinizerPolicy[], named: boolean): Record<string, unknown>[] {
  return list.map((p) => {
    const item: Record<string, unknown> = named ? { name: p.name, type: p.type, active: p.active } : { type: p.type, active: p.active };
    if (p.description !== undefined) item.description = p.description;
    return item;
  });
}

function proxySummary(proxy: ApinizerProxy, named: boolean): Record<string, unknown> {
  const items = (list: ApinizerPolicy[]): Record<string, unknown>[] => summaryOf(list, named);
  return {
    name: proxy.name,
    type: proxy.type,
    relativePath: proxy.relativePath,
    soapToRest: proxy.soapToRest,
    requestPolicyList: items(proxy.requestPolicyList),
    responsePolicyList: items(proxy.responsePolicyList),
    errorPolicyList: items(proxy.errorPolicyList),
    endpointList: proxy.endpointList.map((e) => ({
      endpoint: e.endpoint,
      httpMethod: e.httpMethod,
      active: e.active,
      requestPolicyList: items(e.requestPolicyList),
      responsePolicyList: items(e.responsePolicyList),
      errorPolicyList: items(e.errorPolicyList),
    })),
  };
}

export function registerApinizerRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  /** Looks up project and proxy; answers 404 and returns null when missing. */
  const proxyOf = (params: ProxyParams, reply: FastifyReply): ApinizerProxy | null => {
    const project = ctx.apinizer.projects.get(params.project);
    if (!project) {
      sendApinizerError(reply, 404, 'not_found', `Project (name: ${params.project}) was not found!`);
      return null;
    }
    const proxy = project.proxies.get(params.proxy);
    if (!proxy) {
      sendApinizerError(reply, 404, 'not_found', `ApiProxy (name: ${params.proxy}) was not found!`);
      return null;
    }
    return proxy;
  };

  /** Runs a (simulated, synchronous) deployment and builds the result in the configured shape. */
  const deploymentResult = (proxyName: string, requested: string[], failEnvs: readonly string[]): Record<string, unknown> => {
    const known = ctx.apinizer.environments.map((e) => e.name);
    const envs = requested.length ? requested : known;
    const results = envs.map((env, i) => {
      const exists = known.includes(env);
      const success = exists && !failEnvs.includes(env);
      const message = !exists
        ? `ApiProxy(${proxyName}) can not be deployed to Environment(${env}) because it is not exist!`
        : success
          ? `ApiProxy(${proxyName}) was deployed to Environment(${env}) successfully.`
          : `Deployment of ApiProxy(${proxyName}) to Environment(${env}) failed: gateway pods did not accept the configuration.`;
      return { env, i, exists, success, message, responseTime: 15 + i * 3 };
    });
    const success = results.every((r) => r.success);
    if (ctx.config.apinizerDeployShape === 'deploymentResults') {
      return {
        success,
        deploymentResults: results.map((r) => ({ environmentName: r.env, success: r.success, message: r.message })),
      };
    }
    return {
      success,
      responseTime: results.reduce((sum, r) => sum + r.responseTime, 0),
      detailList: results.map((r) => ({
        envName: r.env,
        podName: r.exists ? `apinizer-worker-${r.env}-0` : null,
        podIp: r.exists ? `10.42.${r.i}.11` : null,
        success: r.success,
        responseTime: r.responseTime,
      })),
    };
  };

  const writeAnswer = (req: FastifyRequest, proxy: ApinizerProxy, target: Pick<Target, 'deploy' | 'envs'>): Record<string, unknown> => {
    const shape = ctx.config.apinizerDeployShape;
    const head = shape === 'deploymentResults' ? { success: true } : { status: 'SUCCESS' };
    if (!target.deploy) return head;
    // strict: deploy with no environment list deploys nowhere (the reference leaves it [unconfirmed])
    if (ctx.config.strict && target.envs.length === 0) {
      return shape === 'deploymentResults' ? { ...head, deploymentResult: { success: true, deploymentResults: [] } } : head;
    }
    return { ...head, deploymentResult: deploymentResult(proxy.name, target.envs, writeMods(req).deployFailEnvs ?? []) };
  };

  const badRequest = (reply: FastifyReply, issues: ValidationIssue[]): FastifyReply =>
    sendApinizerError(reply, 400, 'bad_request', issues.map((i) => i.message).join('; '), issues);

  // ---- Auth and test ----------------------------------------------------------------------------
  app.get('/apiops/test/healthcheck', async (_req, reply) => reply.type('text/plain').send('OK'));
  app.get<{ Params: { name: string } }>('/apiops/test/hello/:name', async (req, reply) => reply.type('text/plain').send(`Hello ${req.params.name}`));

  app.post('/apiops/auth/token', async (req, reply) => {
    // form-encoded only (the reference: "not JSON"); other bodies carry no grant_type
    const form = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '');
    const body = form && isObj(req.body) ? req.body : {};
    if (body.grant_type !== 'client_credentials') {
      return reply.code(400).send({
        error: 'unsupported_grant_type',
        error_description: `Unsupported grant type: ${typeof body.grant_type === 'string' ? body.grant_type : '(missing)'}. Use client_credentials.`,
      });
    }
    if (body.client_id !== ctx.config.apinizerUsername || body.client_secret !== ctx.config.apinizerPassword) {
      return reply.code(401).send({ error: 'unauthorized_client', error_description: 'Bad credentials' });
    }
    const now = Date.now();
    if (ctx.apinizerTokens.size >= 10_000) {
      for (const [t, exp] of ctx.apinizerTokens) if (exp <= now) ctx.apinizerTokens.delete(t);
    }
    const ttl = ctx.config.apinizerTokenTtlS;
    const token = `sbx.${randomBytes(24).toString('base64url')}`;
    ctx.apinizerTokens.set(token, now + ttl * 1000);
    return { access_token: token, token_type: 'Bearer', expires_in: ttl };
  });

  // ---- Projects, proxies, environments ---------------------------------------------------------
  app.get('/apiops/projects', async () => {
    const resultList = [...ctx.apinizer.projects.values()].map((p) => ({ name: p.name, description: p.description }));
    return { status: 'SUCCESS', resultList, resultCount: resultList.length };
  });

  app.get<{ Params: { project: string } }>('/apiops/projects/:project/apiProxies', async (req, reply) => {
    const project = ctx.apinizer.projects.get(req.params.project);
    if (!project) return sendApinizerError(reply, 404, 'not_found', `Project (name: ${req.params.project}) was not found!`);
    return [...project.proxies.values()].map((p) => ({
      name: p.name,
      description: '',
      type: p.type,
      relativePath: p.relativePath,
      soapToRest: p.soapToRest,
    }));
  });

  app.get<{ Params: { project: string } }>('/apiops/environments/:project', async (req, reply) => {
    if (!ctx.apinizer.projects.has(req.params.project)) {
      return sendApinizerError(reply, 404, 'not_found', `Project (name: ${req.params.project}) was not found!`);
    }
    const resultList = ctx.apinizer.environments;
    return { success: true, resultList, resultCount: resultList.length };
  });

  const deployHandler = async (req: FastifyRequest<{ Params: ProxyParams & { env: string } }>, reply: FastifyReply) => {
    const proxy = proxyOf(req.params, reply);
    if (!proxy) return reply;
    const env = req.params.env;
    if (!ctx.apinizer.environments.some((e) => e.name === env)) {
      return sendApinizerError(reply, 400, 'bad_request', `ApiProxy(${proxy.name}) can not be deployed to Environment(${env}) because it is not exist!`);
    }
    const failed = (writeMods(req).deployFailEnvs ?? []).includes(env);
    return {
      success: true,
      deploymentResult: {
        success: !failed,
        deploymentResults: [
          {
            environmentName: env,
            success: !failed,
            message: failed ? `Deployment to Environment(${env}) failed.` : `Environment(${env}) updated successfully.`,
          },
        ],
      },
    };
  };
  app.post('/apiops/projects/:project/apiProxies/:proxy/environments/:env', deployHandler);
  app.delete('/apiops/projects/:project/apiProxies/:proxy/environments/:env', deployHandler);

  // ---- Policies --------------------------------------------------------------------------------
  app.get<{ Params: ProxyParams }>('/apiops/projects/:project/apiProxies/:proxy/policies', async (req, reply) => {
    const proxy = proxyOf(req.params, reply);
    if (!proxy) return reply;
    switch (effectiveListMode(ctx.config)) {
      case 'success':
        return { success: true, resultList: [{ apiProxy: proxy }] };
      case 'summary':
        return { status: 'SUCCESS', resultList: [proxySummary(proxy, true)], resultCount: 1 };
      case 'summary-nameless':
        return { status: 'SUCCESS', resultList: [proxySummary(proxy, false)], resultCount: 1 };
      default:
        return { status: 'SUCCESS', resultList: [proxy], resultCount: 1 };
    }
  });

  const policyPath = '/apiops/projects/:project/apiProxies/:proxy/policies/:policyName';

  // Update (full replace; may move the policy to another scope, pipeline or position).
  app.put<{ Params: PolicyParams }>(policyPath, async (req, reply) => {
    const proxy = proxyOf(req.params, reply);
    if (!proxy) return reply;
    const name = req.params.policyName;
    const body = req.body;
    if (!isObj(body)) return badRequest(reply, [{ field: 'body', message: 'Request body is required' }]);
    const loc = findPolicy(proxy, name);
    if (!loc) return sendApinizerError(reply, 400, 'bad_request', `Policy (name: ${name}) does not exist`);
    const issues: ValidationIssue[] = [];
    const target = checkMetadata(body.operationMetadata, proxy, issues);
    const policy = checkPolicy(body.policy, loc.policy.type, issues, ctx.config.strict);
    if (!target || !policy || issues.length) return badRequest(reply, issues);

    loc.list.splice(loc.index, 1);
    const list = targetList(proxy, target);
    let index: number;
    if (target.order !== null) index = Math.min(target.order - 1, list.length);
    else index = list === loc.list ? loc.index : list.length;
    list.splice(index, 0, storedPolicy(name, policy));
    return writeAnswer(req, proxy, target);
  });

  // Add.
  app.post<{ Params: PolicyParams }>(policyPath, async (req, reply) => {
    const proxy = proxyOf(req.params, reply);
    if (!proxy) return reply;
    const name = req.params.policyName;
    const body = req.body;
    if (!isObj(body)) return badRequest(reply, [{ field: 'body', message: 'Request body is required' }]);
    if (findPolicy(proxy, name)) {
      return sendApinizerError(reply, 400, 'bad_request', `Policy (name: ${name}) already exists`);
    }
    const issues: ValidationIssue[] = [];
    const target = checkMetadata(body.operationMetadata, proxy, issues);
    const policy = checkPolicy(body.policy, null, issues, ctx.config.strict);
    if (!target || !policy || issues.length) return badRequest(reply, issues);
    const list = targetList(proxy, target);
    const index = target.order === null ? list.length : Math.min(target.order - 1, list.length);
    list.splice(index, 0, storedPolicy(name, policy));
    return writeAnswer(req, proxy, target);
  });

  // Delete (JSON body with operationMetadata; names match case-insensitively).
  app.delete<{ Params: PolicyParams }>(policyPath, async (req, reply) => {
    const proxy = proxyOf(req.params, reply);
    if (!proxy) return reply;
    const name = req.params.policyName;
    const body = isObj(req.body) ? req.body : {};
    if (!findPolicy(proxy, name, true)) {
      return sendApinizerError(reply, 400, 'bad_request', `Policy (name: ${name}) does not exist`);
    }
    const issues: ValidationIssue[] = [];
    const target = checkMetadata(body.operationMetadata, proxy, issues);
    if (!target || issues.length) return badRequest(reply, issues);
    const list = targetList(proxy, target);
    const lower = name.toLowerCase();
    const kept = list.filter((p) => p.name.toLowerCase() !== lower);
    if (kept.length === list.length) {
      const where = target.endpoint ? `${target.endpoint.httpMethod} ${target.endpoint.endpoint} ` : '';
      return sendApinizerError(reply, 400, 'bad_request', `Policy (name: ${name}) does not exist in ${where}${target.scope}/${target.pipeline}`);
    }
    list.splice(0, list.length, ...kept);
    return writeAnswer(req, proxy, target);
  });
}
