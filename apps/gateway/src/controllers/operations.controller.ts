import { BeforeApplicationShutdown, Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AcceptStreamToken, RequireScope } from '@rpg/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GetOperationUseCase, honouredWaitSeconds, ListOperationsUseCase, OperationFeed } from '@rpg/operations';
import { OperationDto, OperationPageDto } from '@rpg/routing-policy';
import { ListOperationsQueryDto } from '../dtos/list-operations-query.dto';
import { OperationEventsQueryDto } from '../dtos/operation-events-query.dto';
import { parsePreferWait } from '../http/prefer-wait';
import { SseStream, lastEventIdOf } from '../http/sse-stream';
import { ProblemResponses } from './problem-responses';

const STREAM_TOKEN_QUERY = {
  name: 'access_token',
  required: false,
  description: 'A stream token (POST /v1/stream-tokens) in place of the Authorization header, for EventSource. Accepted on the two event streams only.',
} as const;
const LAST_EVENT_ID_HEADER = {
  name: 'Last-Event-ID',
  required: false,
  description: 'Sent by EventSource when it reconnects: the id of the last event it got.',
} as const;

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/operations')
export class OperationsController implements BeforeApplicationShutdown {
  /** Every open event stream, ended at shutdown. */
  private readonly streams = new Set<SseStream>();
  private closing = false;

  constructor(
    private readonly listOperations: ListOperationsUseCase,
    private readonly getOperation: GetOperationUseCase,
    private readonly feed: OperationFeed,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @RequireScope('operations.read')
  @ApiOperation({ summary: 'List operations, newest first', description: 'Served from Redis indexes; `cursor` is opaque (nextCursor of the previous page).' })
  @ApiResponse({ status: 200, type: OperationPageDto })
  @ProblemResponses(400, 401, 403)
  async list(@Query() query: ListOperationsQueryDto): Promise<OperationPageDto> {
    const page = await this.listOperations.execute({ status: query.status, reference: query.reference, limit: query.limit, cursor: query.cursor });
    return page as OperationPageDto;
  }

  @Get('events')
  @RequireScope('operations.read')
  @AcceptStreamToken()
  @ApiOperation({
    summary: 'Live changes of all operations as Server-Sent Events (for lists)',
    description:
      '`event: operation.updated` with the operation as data on every change of any operation (of `status`, when given). ' +
      "The event id is the change's time in ms: a reconnect with Last-Event-ID first gets the operations changed since (among the newest 200). " +
      'A `: heartbeat` comment keeps it open.',
  })
  @ApiQuery(STREAM_TOKEN_QUERY)
  @ApiHeader(LAST_EVENT_ID_HEADER)
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'text/event-stream' })
  @ProblemResponses(400, 401, 403)
  async allEvents(@Query() query: OperationEventsQueryDto, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const stream = this.open(reply, req);
    if (stream) await this.feed.followAll(stream, { status: query.status, reference: query.reference }, lastEventIdOf(req));
  }

  @Get(':id')
  @RequireScope('operations.read')
  @ApiOperation({
    summary: 'Read an operation',
    description:
      'Status of the operation and of each target: what was asked (`changes`), Gcore task ids and states, Apinizer status and deployment result, errors. ' +
      '`Prefer: wait=N` (N ≤ 60) answers once the operation is terminal or after N s (`Preference-Applied` says so).',
  })
  @ApiParam({ name: 'id', example: 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X' })
  @ApiHeader({ name: 'Prefer', required: false, description: '`wait=N`: answer when the operation is terminal or after N seconds (at most 60).' })
  @ApiResponse({ status: 200, type: OperationDto })
  @ProblemResponses(401, 403, 404)
  async get(@Param('id') id: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<OperationDto> {
    const waitSeconds = parsePreferWait(req.headers.prefer);
    const operation = await this.getOperation.execute({ operationId: id, waitSeconds });
    if (waitSeconds !== undefined) void reply.header('preference-applied', `wait=${honouredWaitSeconds(waitSeconds)}`);
    return operation as OperationDto;
  }

  @Get(':id/events')
  @RequireScope('operations.read')
  @AcceptStreamToken()
  @ApiOperation({
    summary: 'Live status of one operation as Server-Sent Events',
    description:
      '`event: operation.updated` with the operation as data: the current state first, then every change (id = change sequence; `retry:` is sent). ' +
      'A reconnect with Last-Event-ID gets only what it missed, and 204 once it has seen the terminal state (EventSource then stops). ' +
      'A `: heartbeat` comment keeps it open; the stream ends after the terminal state.',
  })
  @ApiParam({ name: 'id', example: 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X' })
  @ApiQuery(STREAM_TOKEN_QUERY)
  @ApiHeader(LAST_EVENT_ID_HEADER)
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'text/event-stream' })
  @ApiResponse({ status: 204, description: 'A reconnect after the terminal event: nothing more will come.' })
  @ProblemResponses(401, 403, 404)
  async events(@Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.getOperation.execute({ operationId: id }); // a 404 problem before the stream starts
    const lastEventId = lastEventIdOf(req);
    if (await this.feed.isFinishedFor(id, lastEventId)) return void reply.status(204).send();
    const stream = this.open(reply, req);
    if (stream) await this.feed.followOne(id, stream, lastEventId);
  }

  /** A new event stream, or none while shutting down (the client reconnects after `retry`, to a running instance). */
  private open(reply: FastifyReply, req: FastifyRequest): SseStream | undefined {
    const stream = new SseStream(reply, req, this.config.sseHeartbeatMs);
    if (this.closing) return void stream.end();
    this.streams.add(stream);
    stream.onClose(() => void this.streams.delete(stream));
    return stream;
  }

  /**
   * Shutdown: end every open stream first. Clients reconnect (after `retry`, with Last-Event-ID) to a running instance
   * and get what they missed; without this the HTTP server's close waits for every stream to reach a terminal state.
   */
  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const stream of [...this.streams]) void stream.end().catch(() => undefined);
  }
}
