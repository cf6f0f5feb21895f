import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { datastructsConfig } from '../../config/app.config.js';
import { SessionStore, type StoredSession } from '../../platform/session/index.js';
import type { CreateUploadSessionDto, UploadSessionDto } from './uploads.dto.js';

type UploadData = Pick<CreateUploadSessionDto, 'fileName' | 'size' | 'contentType'>;

const KIND = 'upload';

const view = (s: StoredSession<UploadData>): UploadSessionDto => ({
  sessionId: s.id,
  fileName: s.data.fileName,
  size: s.data.size,
  contentType: s.data.contentType,
  createdAt: s.createdAt,
  expiresAt: s.expiresAt,
});

/** Upload sessions: `{prefix}:session:upload:{id}`, expired by Redis after UPLOAD_SESSION_TTL_SECONDS. */
@Injectable()
export class UploadsService {
  private readonly ttlSeconds: number;

  constructor(
    private readonly sessions: SessionStore,
    @Inject(datastructsConfig.KEY) config: ConfigType<typeof datastructsConfig>,
  ) {
    this.ttlSeconds = config.uploadSessionTtlSeconds;
  }

  /** Opens a session owned by `owner`. */
  async create(dto: CreateUploadSessionDto, owner: string): Promise<UploadSessionDto> {
    const { fileName, size, contentType } = dto;
    return view(
      await this.sessions.create<UploadData>(KIND, { fileName, size, contentType }, this.ttlSeconds, owner),
    );
  }

  /** The session, if it exists and belongs to `owner` (undefined: any owner). */
  async get(id: string, owner?: string): Promise<UploadSessionDto | null> {
    const found = await this.sessions.get<UploadData>(KIND, id, owner);
    return found && view(found);
  }

  /** Deletes the session if it belongs to `owner` (undefined: any owner). */
  delete(id: string, owner?: string): Promise<boolean> {
    return this.sessions.delete(KIND, id, owner);
  }
}
