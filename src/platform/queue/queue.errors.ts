import { ProblemException } from '../http/problem.js';

/** Stable codes of the queue errors. */
export type QueueErrorCode = 'QUEUE_UNAVAILABLE' | 'QUEUE_UNKNOWN';

/** 503 + Retry-After: Redis could not acknowledge the job in time, so it is not enqueued (fail closed). */
export class QueueUnavailableProblem extends ProblemException {
  readonly code: QueueErrorCode = 'QUEUE_UNAVAILABLE';

  constructor(queue: string, cause: unknown) {
    super(503, 'queue-unavailable', 'Service Unavailable', {
      detail: `the ${queue} queue is unavailable; the job was not accepted, retry later`,
      headers: { 'Retry-After': '1' },
      cause,
    });
  }
}

/** A programming error: a queue name that no module registered. */
export class UnknownQueueError extends Error {
  readonly code: QueueErrorCode = 'QUEUE_UNKNOWN';

  constructor(queue: string, cause?: unknown) {
    super(`queue "${queue}" is not registered (QueueModule.registerQueue('${queue}'))`, { cause });
  }
}

/** Rejects with `timeoutError()` when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
