import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** An RFC 9457 problem document. */
export interface ProblemDetails {
  /** A short, stable slug (a relative URI reference): `lock-busy`, `quota-exceeded`, `validation-error`. */
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

/**
 * An HTTP error answered as `application/problem+json`, with optional response headers
 * (`Retry-After`, rate-limit headers) set by the filter.
 * @example
 * throw new ProblemException(409, 'lock-busy', 'Resource is locked', { detail: 'car 42 is being booked', headers: { 'Retry-After': '2' } });
 */
export class ProblemException extends HttpException {
  readonly problem: ProblemDetails;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    type: string,
    title: string,
    extra: { detail?: string; headers?: Record<string, string>; cause?: unknown; [k: string]: unknown } = {},
  ) {
    const { headers, cause, ...fields } = extra;
    const problem: ProblemDetails = { type, title, status, ...fields };
    super(problem, status, { cause });
    this.problem = problem;
    this.headers = headers ?? {};
  }
}

/** 503 with `Retry-After`: what a fail-closed decorator answers when Redis is unreachable. */
export function serviceUnavailable(detail: string, retryAfterSeconds = 1, cause?: unknown): ProblemException {
  return new ProblemException(503, 'service-unavailable', 'Service Unavailable', {
    detail,
    headers: { 'Retry-After': String(retryAfterSeconds) },
    cause,
  });
}

/** The reason phrase for a status (`Not Found`), used as the title of plain HttpExceptions. */
export function statusTitle(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** The `type` slug of a plain HttpException from its status. */
export function statusType(status: number): string {
  return statusTitle(status)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
