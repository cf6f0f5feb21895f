import { Body, Controller, NotFoundException, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import {
  CurrentPrincipal,
  customerTag,
  type CustomerSnapshot,
  type Principal,
} from '../../platform/auth/index.js';
import { CacheService } from '../../platform/cache/index.js';
import { CustomersRepository } from './customers.repository.js';

/** PATCH /customers/me body. */
export class UpdateMeDto {
  @ApiProperty({ minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;
}

class CustomerDto implements CustomerSnapshot {
  @ApiProperty() id!: string;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

/** The caller's own customer record. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('customers')
export class CustomersController {
  constructor(
    private readonly customers: CustomersRepository,
    private readonly cache: CacheService,
  ) {}

  /** Renames the caller; every instance's cached session of the caller is reloaded before this answers. */
  @Patch('me')
  @ApiOkResponse({ type: CustomerDto })
  async updateMe(@CurrentPrincipal() me: Principal, @Body() dto: UpdateMeDto): Promise<CustomerDto> {
    const row = (await this.customers.rename(me.sub, dto.name)) ?? null;
    if (!row) throw new NotFoundException();
    await this.cache.invalidateTags([customerTag(me.sub)]);
    return row;
  }
}
