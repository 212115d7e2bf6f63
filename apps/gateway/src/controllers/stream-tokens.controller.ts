import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedRequest, RequireScope } from '@rpg/common';
import { IssueStreamTokenUseCase } from '@rpg/operations';
import { CreateStreamTokenDto, StreamTokenDto } from '../dtos/stream-token.dto';
import { ProblemResponses } from './problem-responses';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/stream-tokens')
export class StreamTokensController {
  constructor(private readonly issue: IssueStreamTokenUseCase) {}

  @Post()
  @HttpCode(201)
  @RequireScope('operations.read')
  @ApiOperation({
    summary: 'Get a stream token for EventSource',
    description:
      'EventSource cannot send Authorization: pass this token as `?access_token=` on the event streams instead. Read-only, valid 5 minutes ' +
      '(checked when a stream connects), optionally bound to one operation; refused (401) on every other route.',
  })
  @ApiBody({
    type: CreateStreamTokenDto,
    examples: {
      'any-operation': { summary: 'For every stream of the key (any operation, and the list stream)', value: {} },
      'one-operation': { summary: 'Bound to one operation', value: { operationId: 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X' } },
    },
  })
  @ApiResponse({ status: 201, type: StreamTokenDto })
  @ProblemResponses(400, 401, 403, 404)
  async create(@Body() body: CreateStreamTokenDto, @Req() req: AuthenticatedRequest): Promise<StreamTokenDto> {
    return this.issue.execute({ apiKeyName: req.apiKey?.name ?? 'unknown', operationId: body.operationId });
  }
}
