import { describe, expect, it } from '@jest/globals';
import { Controller, Get, Post, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from './nestjs-common.compat.js';

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
