import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { carNotFound, carTag, changeCar, ONE_CAR } from './catalogue.changes.js';
import { Cacheable, CacheEvict } from '../../platform/cache/index.js';
import { CarIdParams, CreateCarDto, ListCarsQuery, UpdateCarDto } from './catalogue.dto.js';
import { CatalogueRepository } from './catalogue.repository.js';
import type { Car } from './catalogue.schema.js';
import { Public, Roles } from '../../platform/auth/index.js';

/**
 * The car catalogue. Reads are public and cached in both tiers with tags (`cars` on every list page,
 * `car:<id>` on a car); admin writes evict them before they answer, on every instance.
 */
@ApiTags('catalogue')
@Controller('catalogue/cars')
export class CatalogueController {
  constructor(private readonly repo: CatalogueRepository) {}

  @Public()
  @Get()
  @Cacheable({ namespace: 'catalogue', ttl: '60s', grace: '10m', tags: ['cars'], public: true })
  async list(
    @Query() query: ListCarsQuery,
  ): Promise<{ items: Car[]; page: number; limit: number; total: number }> {
    const page = query.page ?? 1;
    const limit = query.limit ?? 20;
    const { items, total } = await this.repo.list(page, limit, query.make);
    return { items, page, limit, total };
  }

  @Public()
  @Get(':id')
  @Cacheable(ONE_CAR)
  async get(@Param() { id }: CarIdParams): Promise<Car> {
    const car = await this.repo.find(id);
    if (!car) throw carNotFound(id);
    return car;
  }

  @Post()
  @HttpCode(201)
  @ApiBearerAuth()
  @Roles('admin')
  @CacheEvict({ tags: ['cars'] })
  async create(@Body() dto: CreateCarDto): Promise<Car> {
    return this.repo.create(dto);
  }

  @Patch(':id')
  @ApiBearerAuth()
  @Roles('admin')
  @CacheEvict({ tags: ({ params }) => ['cars', carTag(params.id)] })
  async update(@Param() { id }: CarIdParams, @Body() dto: UpdateCarDto): Promise<Car> {
    return changeCar(this.repo, id, dto);
  }
}
