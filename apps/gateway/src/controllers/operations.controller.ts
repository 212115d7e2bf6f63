import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ProblemException, RequireScope } from '@rpg/common';
import { OPERATION_ID_PATTERN, OperationStore } from '@rpg/operations';
import { OperationDto } from '@rpg/routing-policy';
import { ProblemResponses } from './problem-responses';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/operations')
export class OperationsController {
  constructor(private readonly store: OperationStore) {}

  @Get(':id')
  @RequireScope('operations.read')
  @ApiOperation({ summary: 'Read an operation', description: 'Status of the operation and of each target: Gcore task ids and states, Apinizer status and deployment result, errors.' })
  @ApiParam({ name: 'id', example: 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X' })
  @ApiResponse({ status: 200, type: OperationDto })
  @ProblemResponses(401, 403, 404)
  async get(@Param('id') id: string): Promise<OperationDto> {
    const stored = OPERATION_ID_PATTERN.test(id) ? await this.store.get(id) : null;
    if (!stored) throw ProblemException.notFound(`Operation ${id} does not exist (or has expired).`);
    return stored.operation as OperationDto;
  }
}
