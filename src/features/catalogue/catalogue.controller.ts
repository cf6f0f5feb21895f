import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ProblemException } from '../../platform/http/index.js';
import { Cacheable, CacheEvict } from '../../platform/cache/index.js';
import { CarIdParams, CreateCarDto, ListCarsQuery, UpdateCarDto } from './catalogue.dto.js';
import { CatalogueRepository } from './catalogue.repository.js';
import type { Car } from './catalogue.schema.js';
import { Public, Roles } from '../../platform/auth/index.js';

/** The tag of one car: ids normalised (`/cars/042` and `/cars/42` share it). */
const carTag = (id: unknown) => `car:${Number(id)}`;

const notFound = (id: number) =>
  new ProblemException(404, 'not-found', 'Not Found', { detail: `car ${id} does not exist` });

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
  @Cacheable({
    namespace: 'catalogue',
    ttl: '5m',
    grace: '1h',
    tags: ({ params }) => [carTag(params.id)],
    public: true,
  })
  async get(@Param() { id }: CarIdParams): Promise<Car> {
    const car = await this.repo.find(id);
    if (!car) throw notFound(id);
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
    const patch = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
    if (Object.keys(patch).length === 0) {
      throw new ProblemException(400, 'validation-error', 'Bad Request', {
        detail: 'give at least one of model, year, dailyPrice, available',
        errors: [],
      });
    }
    const car = await this.repo.update(id, patch);
    if (!car) throw notFound(id);
    return car;
  }
}
