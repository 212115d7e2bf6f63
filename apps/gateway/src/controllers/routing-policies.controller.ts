import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FieldError, ProblemException, RequireScope } from '@rpg/common';
import { LookupTargetsUseCase } from '@rpg/providers';
import { Target, validateTarget } from '@rpg/routing-policy';
import { LookupRequestDto, LookupResponseDto } from '../dtos/lookup.dto';
import { ProblemResponses } from './problem-responses';

@ApiTags('routing-policies')
@ApiBearerAuth()
@Controller('v1/routing-policies')
export class RoutingPoliciesController {
  constructor(private readonly lookup: LookupTargetsUseCase) {}

  @Post('lookup')
  @HttpCode(200)
  @RequireScope('policies.read')
  @ApiOperation({
    summary: 'Read the current state of targets across providers',
    description:
      'All targets are read in parallel, each with its own timeout; items come back in request order. One failing provider never fails the answer. ' +
      'Reads of the same target within 2 s are served once.',
  })
  @ApiBody({ type: LookupRequestDto })
  @ApiResponse({ status: 200, type: LookupResponseDto })
  @ProblemResponses(400, 401, 403)
  async lookupTargets(@Body() body: unknown): Promise<LookupResponseDto> {
    const targets = (body as { targets?: unknown } | null)?.targets;
    const errors: FieldError[] = [];
    if (body === null || typeof body !== 'object' || Array.isArray(body)) errors.push({ path: '(body)', message: 'must be a JSON object' });
    else {
      for (const key of Object.keys(body)) if (key !== 'targets') errors.push({ path: key, message: 'is not allowed' });
      if (!Array.isArray(targets) || targets.length < 1 || targets.length > 50)
        errors.push({ path: 'targets', message: 'must be an array of 1 to 50 targets' });
      else targets.forEach((t, i) => errors.push(...validateTarget(t, `targets[${i}]`)));
    }
    if (errors.length) throw ProblemException.validation(errors);
    const items = await this.lookup.execute({ targets: targets as Target[] });
    return { items };
  }
}
