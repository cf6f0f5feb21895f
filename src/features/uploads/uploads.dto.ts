import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { SESSION_ID } from '../../platform/session/index.js';

/** Largest upload a session may announce: 5 GiB. */
export const MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

/** A file name, not a path: no `/`, `\` or control characters, not `.` or `..`. */
const FILE_NAME = /^(?!\.{1,2}$)[^/\\\p{Cc}]+$/u;
/** `type/subtype` (RFC 6838 restricted names), no parameters. */
const CONTENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** Body of POST /uploads/sessions. */
export class CreateUploadSessionDto {
  @ApiProperty({ example: 'portfolio.pdf', maxLength: 255 })
  @IsString()
  @Length(1, 255)
  @Matches(FILE_NAME, { message: 'fileName must be a file name: no /, \\ or control characters' })
  fileName!: string;

  @ApiProperty({ description: 'bytes, at most 5 GiB', minimum: 1, maximum: MAX_UPLOAD_BYTES })
  @IsInt()
  @Min(1)
  @Max(MAX_UPLOAD_BYTES, { message: `size must not be greater than ${MAX_UPLOAD_BYTES} (5 GiB)` })
  size!: number;

  @ApiProperty({ example: 'application/pdf' })
  @IsString()
  @Matches(CONTENT_TYPE, { message: 'contentType must be a media type such as application/pdf' })
  contentType!: string;
}

/** Path parameter of one session. */
export class UploadSessionParams {
  @ApiProperty({ pattern: SESSION_ID.source })
  @IsString()
  @Matches(SESSION_ID, { message: 'id must be 32 lowercase hexadecimal characters' })
  id!: string;
}

/** What POST answers. */
export class UploadSessionCreatedDto {
  @ApiProperty({ description: '128 random bits, hex' })
  sessionId!: string;
  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
}

/** A live upload session. */
export class UploadSessionDto extends UploadSessionCreatedDto {
  @ApiProperty()
  fileName!: string;
  @ApiProperty()
  size!: number;
  @ApiProperty()
  contentType!: string;
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
