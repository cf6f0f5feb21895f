import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, ValidateBy } from 'class-validator';
import { APP_EVENT_TYPES, type AppEventType } from './events.types.js';

/** Parses `types=a,b` into known event types; undefined when one is unknown or the list is empty. */
export function parseTypes(value: string): AppEventType[] | undefined {
  const types = value.split(',').map((t) => t.trim());
  if (types.some((t) => !(APP_EVENT_TYPES as readonly string[]).includes(t))) return undefined;
  return types as AppEventType[];
}

/** Query of GET /events. */
export class EventsQuery {
  @ApiPropertyOptional({
    description: `comma-separated event types to receive (default all): ${APP_EVENT_TYPES.join(', ')}`,
    example: 'booking.created,payment.created',
  })
  @IsOptional()
  @IsString()
  @ValidateBy({
    name: 'isEventTypeList',
    validator: {
      validate: (value) => typeof value === 'string' && parseTypes(value) !== undefined,
      defaultMessage: () => `types must be a comma-separated list of ${APP_EVENT_TYPES.join(', ')}`,
    },
  })
  types?: string;
}
