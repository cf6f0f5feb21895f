import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, ownerFilter, type Principal } from '../../platform/auth/index.js';
import { takeOverResponse, type AnyRequest, type AnyResponse } from '../../platform/http/adapter.js';
import { ProblemException } from '../../platform/http/index.js';
import { defaultTracker } from '../../platform/rate-limit/rate-limit.tracker.js';
import { APP_EVENT_TYPES } from './events.types.js';
import { EventsQuery, parseTypes } from './events.dto.js';
import { EventsHub } from './events.hub.js';

/**
 * Server-Sent Events: what happens on any instance, streamed by every instance. A customer sees the events
 * about their own bookings and payments (and flag changes); the admin role sees every event.
 */
@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(private readonly hub: EventsHub) {}

  /**
   * Streams `booking.created`, `payment.created` and `flag.changed` (the SSE `event:` field; `data:` is
   * the object's JSON, `id:` the event id), with a `: heartbeat` comment every 15 s.
   */
  @Get()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: `an event stream of ${APP_EVENT_TYPES.join(', ')}` })
  @ApiTooManyRequestsResponse({
    description:
      'the client (EVENTS_MAX_STREAMS_PER_CLIENT) or the instance (EVENTS_MAX_STREAMS) holds its maximum of streams',
  })
  stream(
    @Query() query: EventsQuery,
    @Req() req: AnyRequest,
    @Res() reply: AnyResponse,
    @CurrentPrincipal() me: Principal,
  ): void {
    // Open streams cost a socket and memory each for as long as the client likes: capped per client
    // (principal, else IP) and per instance; 429 before any header is sent.
    const client = defaultTracker(req as unknown as Record<string, unknown>);
    const refusal = this.hub.refusal(client);
    if (refusal)
      throw new ProblemException(429, 'too-many-streams', 'Too Many Requests', {
        detail: refusal,
        headers: { 'Retry-After': '5' },
      });
    // Node's response, written directly (on Fastify the reply is handed over: hijacked).
    const res = takeOverResponse(reply);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx and similar proxies buffer responses unless told not to.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    // The first line tells the client the stream is live; `retry:` sets its reconnect delay.
    res.write(': connected\nretry: 2000\n\n');
    this.hub.add(res, query.types ? parseTypes(query.types) : undefined, client, ownerFilter(me));
  }
}
