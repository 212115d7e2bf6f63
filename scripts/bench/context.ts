/** What every scenario is given: the options, the running processes, the clients and where figures go. */
import { BenchHttp } from './http';
import { PolicyPool } from './operations';
import { BenchConfig, BenchOptions } from './options';
import { Endpoints, RunningStack } from './processes';
import { WebhookReceiver } from './receiver';
import { BenchResults } from './report';

export interface BenchContext {
  options: BenchOptions;
  config: BenchConfig;
  stack: RunningStack;
  endpoints: Endpoints;
  http: BenchHttp;
  receiver: WebhookReceiver;
  results: BenchResults;
  policies: PolicyPool;
  apiKey: string;
  /** The `bench-relay` inbound webhook secret (task hints of scenario 3). */
  relaySecret: string;
}
