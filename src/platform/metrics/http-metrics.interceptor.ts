import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { rawResponse, routeTemplateOf } from '../http/adapter.js';
import { BodyNeutral } from '../http/body-neutral.js';
import { MetricsService } from './metrics.service.js';

/**
 * Records `http_request_duration_seconds` by method, route template (never the raw URL: unbounded
 * label values would blow up the series count) and status, on the response's `finish` so errors count too.
 */
@BodyNeutral()
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  private readonly duration;

  constructor(metrics: MetricsService) {
    this.duration = metrics.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<{ method: string }>();
    const res = rawResponse(context.switchToHttp().getResponse<object>());
    const started = process.hrtime.bigint();
    const route = routeTemplateOf(req) ?? 'unmatched';
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.duration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
    });
    return next.handle();
  }
}
