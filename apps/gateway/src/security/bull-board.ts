import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { authenticate, ProblemException, sendProblem, toProblem } from '@rpg/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ALL_QUEUES } from '@rpg/queues';

export const BULL_BOARD_PATH = '/admin/queues';

/** Bull Board at /admin/queues, only for an API key with scope `admin`. */
export async function mountBullBoard(app: NestFastifyApplication): Promise<void> {
  const config = app.get<AppConfig>(APP_CONFIG);
  const queues = ALL_QUEUES.map((name) => app.get<Queue>(getQueueToken(name)));
  const serverAdapter = new BullBoardAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter, options: { uiConfig: { boardTitle: 'routing-policy-gateway' } } });
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        try {
          authenticate(config, request.headers.authorization, 'admin');
        } catch (error) {
          const { problem, headers } = toProblem(
            error instanceof ProblemException ? error : new ProblemException({ status: 401, slug: 'unauthorized', detail: 'Unauthorized' }),
            request,
          );
          sendProblem(reply, problem, headers);
          return reply;
        }
      });
      await scope.register(serverAdapter.registerPlugin() as never);
    },
    { prefix: BULL_BOARD_PATH },
  );
}
