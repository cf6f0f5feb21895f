import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Public, Roles } from '../../platform/auth/index.js';
import { Cacheable, CacheEvict } from '../../platform/cache/index.js';
import { CacheControl } from '../../platform/graphql/index.js';
import { carNotFound, carTag, changeCar, ONE_CAR } from '../catalogue/catalogue.changes.js';
import { CatalogueRepository } from '../catalogue/catalogue.repository.js';
import type { Car } from '../catalogue/catalogue.schema.js';
import { CarPage, CarsArgs, CarType, UpdateCarInput } from './graphql.types.js';

/**
 * The catalogue over GraphQL: public reads with cache hints (operation result cache) and, on `car`, the
 * same @Cacheable as `GET /catalogue/cars/:id`; `updateCar` (admin) evicts the same tags as
 * `PATCH /catalogue/cars/:id`, on every instance.
 */
@Resolver(() => CarType)
export class CatalogueResolver {
  constructor(private readonly repo: CatalogueRepository) {}

  @Public()
  @Query(() => CarPage, {
    description: 'A page of cars, optionally of one make and/or availability',
    complexity: ({ args, childComplexity }) => 1 + childComplexity * Number(args.limit ?? 20),
  })
  @CacheControl({ maxAge: '30s', tags: ['cars'] })
  async cars(@Args() args: CarsArgs): Promise<CarPage> {
    const page = args.page ?? 1;
    const limit = args.limit ?? 20;
    const { items, total } = await this.repo.list(page, limit, args.make, args.available);
    return { items, page, limit, total };
  }

  @Public()
  @Query(() => CarType, { description: 'One car (NOT_FOUND when it does not exist)' })
  @CacheControl({ maxAge: '5m', tags: ({ id }) => [carTag(id)] })
  @Cacheable(ONE_CAR)
  async car(@Args('id', { type: () => Int }) id: number): Promise<Car> {
    const car = await this.repo.find(id);
    if (!car) throw carNotFound(id);
    return car;
  }

  @Mutation(() => CarType, { description: 'Changes a car (admin); evicts its REST and GraphQL entries' })
  @Roles('admin')
  @CacheEvict({ tags: ({ params }) => ['cars', carTag(params.id)] })
  async updateCar(
    @Args('id', { type: () => Int }) id: number,
    @Args('input') input: UpdateCarInput,
  ): Promise<Car> {
    return changeCar(this.repo, id, input);
  }
}
