/**
 * Peer of the accept-path scenario of `npm run bench`: the plain NestJS service a team would write first for the same
 * route. @nestjs/platform-fastify; class-validator/class-transformer DTOs for the one-target Gcore L7 body the bench sends
 * (global ValidationPipe with whitelist, forbidNonWhitelisted and transform); one Redis SET of the operation and one
 * BullMQ add (jobId = operation id); answers 202 `{ id, status: 'PENDING' }`. No authentication, rate limit, helmet,
 * idempotency, per-target lanes or unconfirmed-set bookkeeping: only what the issue names.
 *
 * Listens on PEER_PORT (127.0.0.1). REDIS_URL is the bench's Redis; PEER_PREFIX (e.g. `{bench…}:peer`) starts every key
 * it writes: `<PEER_PREFIX>:op:<id>` and the BullMQ queue `<PEER_PREFIX>:calls:*` (nothing consumes it).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Injectable, Module, OnModuleDestroy, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = process.env.PEER_PREFIX ?? 'peer';
const QUEUE = 'calls';

// Leaf classes first: with emitDecoratorMetadata, a property's `design:type` names its class when the class is defined.

class GcoreL7PolicyTargetDto {
  @IsIn(['gcore'])
  provider: 'gcore';

  @IsIn(['l7policy'])
  kind: 'l7policy';

  @IsInt()
  @Min(1)
  @Max(2147483647)
  projectId: number;

  @IsInt()
  @Min(1)
  @Max(2147483647)
  regionId: number;

  @IsUUID()
  id: string;
}

class GcoreL7PolicyChangesDto {
  @IsOptional()
  @IsString()
  @Matches(/^[a-zA-Z0-9][a-zA-Z 0-9._-]{1,61}[a-zA-Z0-9._]$/)
  name?: string;

  @IsOptional()
  @IsIn(['REDIRECT_TO_URL', 'REDIRECT_PREFIX', 'REDIRECT_TO_POOL', 'REJECT'])
  action?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  position?: number;
}

class UpdateDto {
  @ValidateNested()
  @Type(() => GcoreL7PolicyTargetDto)
  target: GcoreL7PolicyTargetDto;

  @ValidateNested()
  @Type(() => GcoreL7PolicyChangesDto)
  changes: GcoreL7PolicyChangesDto;
}

class UpdateRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => UpdateDto)
  updates: UpdateDto[];

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

/** The operation records: one ioredis client. */
@Injectable()
class OperationStore implements OnModuleDestroy {
  private readonly redis = new Redis(REDIS_URL);

  async create(id: string, body: UpdateRequestDto): Promise<void> {
    const record = { id, status: 'PENDING', reference: body.reference ?? null, updates: body.updates, createdAt: new Date().toISOString() };
    await this.redis.set(`${PREFIX}:op:${id}`, JSON.stringify(record));
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit();
  }
}

@Controller('v1/routing-policy-updates')
class RoutingPolicyUpdatesController {
  constructor(
    @Inject(OperationStore) private readonly store: OperationStore,
    @InjectQueue(QUEUE) private readonly queue: Queue,
  ) {}

  @Post()
  @HttpCode(202)
  async create(@Body() body: UpdateRequestDto): Promise<{ id: string; status: 'PENDING' }> {
    const id = randomUUID();
    await this.store.create(id, body);
    await this.queue.add('call', { operationId: id, updates: body.updates }, { jobId: id });
    return { id, status: 'PENDING' };
  }
}

function connection(): { host: string; port: number; db: number } {
  const u = new URL(REDIS_URL);
  return { host: u.hostname, port: Number(u.port || 6379), db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0 };
}

@Module({
  imports: [BullModule.forRoot({ connection: connection(), prefix: PREFIX }), BullModule.registerQueue({ name: QUEUE })],
  controllers: [RoutingPolicyUpdatesController],
  providers: [OperationStore],
})
class PeerModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(PeerModule, new FastifyAdapter({ bodyLimit: 1024 * 1024 }), { logger: ['error', 'warn'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(Number(process.env.PEER_PORT ?? 0), '127.0.0.1');
  process.stdout.write(`nest peer listening on ${process.env.PEER_PORT}\n`);
  const stop = (): void => void app.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
