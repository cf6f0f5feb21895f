import { ProblemException } from '../../platform/http/index.js';

/** The range overlaps an existing booking of the car: 409 problem+json `booking-conflict`. */
export class BookingConflictError extends ProblemException {
  readonly code = 'BOOKING_CONFLICT';

  constructor(carId: string, startDate: string, endDate: string) {
    super(409, 'booking-conflict', 'Already booked', {
      detail: `car ${carId} is already booked for part of ${startDate} to ${endDate}`,
    });
  }
}

/**
 * The database rejected the write's fencing token (an older holder wrote after its lock passed to
 * another): 409 problem+json `stale-fencing-token`; nothing was written.
 */
export class StaleFencingTokenError extends ProblemException {
  readonly code = 'STALE_FENCING_TOKEN';

  constructor(carId: string, token: number, cause: unknown) {
    super(409, 'stale-fencing-token', 'Stale lock', {
      detail: `the lock on car ${carId} (fencing token ${token}) was taken over before the write; retry`,
      headers: { 'Retry-After': '1' },
      cause,
    });
  }
}

/** No booking has that id: 404 problem+json. */
export class BookingNotFoundError extends ProblemException {
  readonly code = 'BOOKING_NOT_FOUND';

  constructor(id: string) {
    super(404, 'not-found', 'Not Found', { detail: `booking ${id} does not exist` });
  }
}
