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

  async create(dto: CreateUploadSessionDto): Promise<UploadSessionDto> {
    const { fileName, size, contentType } = dto;
    return view(
      await this.sessions.create<UploadData>(KIND, { fileName, size, contentType }, this.ttlSeconds),
    );
  }

  async get(id: string): Promise<UploadSessionDto | null> {
    const found = await this.sessions.get<UploadData>(KIND, id);
    return found && view(found);
  }

  delete(id: string): Promise<boolean> {
    return this.sessions.delete(KIND, id);
  }
}
