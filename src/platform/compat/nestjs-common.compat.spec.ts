import { describe, expect, it } from '@jest/globals';
import { Controller, Get, Post, RequestMethod, UseInterceptors } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA } from './nestjs-common.compat.js';

// Fails when @nestjs/common stops storing a route's path and method under these keys.
describe('@nestjs/common route metadata keys (nestjs-common.compat.ts)', () => {
  @Controller('bookings')
  class BookingsRoutes {
    @Get(':id')
    one(): void {}

    @Post()
    create(): void {}
  }

  it('@Controller and @Get/@Post store path and RequestMethod under PATH_METADATA and METHOD_METADATA', () => {
    const proto = BookingsRoutes.prototype as unknown as Record<string, object>;
    expect(Reflect.getMetadata(PATH_METADATA, BookingsRoutes)).toBe('bookings');
    expect(Reflect.getMetadata(PATH_METADATA, proto.one!)).toBe(':id');
    expect(Reflect.getMetadata(METHOD_METADATA, proto.one!)).toBe(RequestMethod.GET);
    expect(Reflect.getMetadata(PATH_METADATA, proto.create!)).toBe('/');
    expect(Reflect.getMetadata(METHOD_METADATA, proto.create!)).toBe(RequestMethod.POST);
  });
});

// Fails when @UseInterceptors stops listing interceptors, outermost first, under INTERCEPTORS_METADATA.
describe('@nestjs/common interceptor metadata key (nestjs-common.compat.ts)', () => {
  class Outer {}
  class Inner {}
  class Own {}

  @UseInterceptors(Own)
  class Routes {
    @UseInterceptors(Outer)
    @UseInterceptors(Inner)
    one(): void {}
  }

  it('@UseInterceptors stores the classes on the class and the handler, the top decorator first', () => {
    const proto = Routes.prototype as unknown as Record<string, object>;
    expect(Reflect.getMetadata(INTERCEPTORS_METADATA, Routes)).toEqual([Own]);
    // Decorators apply bottom-up and append: Nest runs index 0 outermost, so the list reads bottom-up.
    expect(Reflect.getMetadata(INTERCEPTORS_METADATA, proto.one!)).toEqual([Inner, Outer]);
  });
});
