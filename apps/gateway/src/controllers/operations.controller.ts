import { BeforeApplicationShutdown, Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '@rpg/common';
import { GetOperationUseCase, ListOperationsUseCase, OperationStore, OperationUpdatesListener } from '@rpg/operations';
import { OperationDto, OperationPageDto, TERMINAL_OPERATION_STATUSES } from '@rpg/routing-policy';
import { ListOperationsQueryDto } from '../dtos/list-operations-query.dto';
import { ProblemResponses } from './problem-responses';

const HEARTBEAT_MS = 15_000;

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/operations')
export class OperationsController implements BeforeApplicationShutdown {
  /** The `finish` of every open SSE stream. */
  private readonly streams = new Set<() => Promise<void>>();
  private closing = false;

  constructor(
    private readonly listOperations: ListOperationsUseCase,
    private readonly getOperation: GetOperationUseCase,
    // the live stream reads the store itself: it re-reads on every change notice, not through a use case
    private readonly store: OperationStore,
    private readonly updates: OperationUpdatesListener,
  ) {}

  @Get()
  @RequireScope('operations.read')
  @ApiOperation({ summary: 'List operations, newest first', description: 'Served from Redis indexes; `cursor` is opaque (nextCursor of the previous page).' })
  @ApiResponse({ status: 200, type: OperationPageDto })
  @ProblemResponses(400, 401, 403)
  async list(@Query() query: ListOperationsQueryDto): Promise<OperationPageDto> {
    const page = await this.listOperations.execute({ status: query.status, limit: query.limit, cursor: query.cursor });
    return page as OperationPageDto;
  }

  @Get(':id')
  @RequireScope('operations.read')
  @ApiOperation({
    summary: 'Read an operation',
    description: 'Status of the operation and of each target: Gcore task ids and states, Apinizer status and deployment result, errors.',
  })
  @ApiParam({ name: 'id', example: 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X' })
  @ApiResponse({ status: 200, type: OperationDto })
  @ProblemResponses(401, 403, 404)
  async get(@Param('id') id: string): Promise<OperationDto> {
    return (await this.getOperation.execute({ operationId: id })) as OperationDto;
  }

  @Get(':id/events')
  @RequireScope('operations.read')
  @ApiOperation({
    summary: 'Live status as Server-Sent Events',
    description:
      '`event: operation.updated` with the operation as data: the current state first, then every change (id = change sequence; `retry:` is sent, ' +
      'and a reconnect with Last-Event-ID gets the current state again). A `: heartbeat` comment every 15 s; the stream ends after the terminal state.',
  })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'text/event-stream' })
  @ProblemResponses(401, 403, 404)
  async events(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Headers('last-event-id') _lastEventId?: string,
  ): Promise<void> {
    await this.getOperation.execute({ operationId: id }); // a 404 problem before the stream starts
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(req.id),
    });
    raw.write('retry: 2000\n\n');
    // shutting down: no new stream here (the client reconnects after `retry`, to a running instance)
    if (this.closing) return void raw.end();
    let lastSeq = 0;
    let closed = false;
    let busy = Promise.resolve();
    let stop: (() => Promise<void>) | undefined;
    const send = (seq: number, operation: unknown) => {
      lastSeq = seq;
      raw.write(`id: ${seq}\nevent: operation.updated\ndata: ${JSON.stringify(operation)}\n\n`);
    };
    const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
    const finish = async () => {
      if (closed) return;
      closed = true;
      this.streams.delete(finish);
      clearInterval(heartbeat);
      raw.end(); // before unsubscribing: that waits for Redis, which may be away
      await stop?.();
    };
    const refresh = () => {
      busy = busy.then(async () => {
        if (closed) return;
        const stored = await this.store.get(id).catch(() => null);
        if (!stored) return finish();
        if (stored.seq > lastSeq) send(stored.seq, stored.operation);
        if (TERMINAL_OPERATION_STATUSES.has(stored.operation.status)) await finish();
      });
    };
    // registered before the (awaited) subscription: a client leaving meanwhile still releases the stream
    raw.on('close', () => void finish());
    this.streams.add(finish);
    try {
      stop = await this.updates.listen(id, refresh);
    } catch {
      return void finish();
    }
    if (closed) return void (await stop());
    // subscribe first, then read: a change in between is not missed
    refresh();
  }

  /**
   * Shutdown: end every open stream first. Clients reconnect (after `retry`, with Last-Event-ID) to a running instance
   * and get the current state; without this the HTTP server's close waits for every stream to reach a terminal state.
   */
  beforeApplicationShutdown(): void {
    this.closing = true;
    // each finish ends its response at once; its unsubscribe is not waited for (the subscriber closes at shutdown anyway)
    for (const finish of [...this.streams]) void finish().catch(() => undefined);
  }
}
