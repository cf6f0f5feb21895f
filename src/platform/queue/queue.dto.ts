import { ApiProperty } from '@nestjs/swagger';

/** A client-given deduplication id: 1 to 128 printable ASCII characters (hashed before it reaches a key). */
export const DEDUPLICATION_ID = /^[\x21-\x7e]{1,128}$/;
/** The validation message of {@link DEDUPLICATION_ID}. */
export const DEDUPLICATION_ID_MESSAGE = 'deduplicationId must be 1 to 128 printable ASCII characters';

/** The 202 answer of a route that enqueued a job. */
export class JobAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'the job id (the earlier job when deduplicated)' })
  jobId!: string;
}
