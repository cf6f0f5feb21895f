import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import type { IncomingMessage } from 'node:http';
import { ProblemException } from '../http/problem.js';
import { AuthService, bearerToken } from './auth.service.js';

class PrincipalDto {
  @ApiProperty() sub!: string;
  @ApiPropertyOptional() email?: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ description: 'jti:<jti> or sha:<sha-256 of the token>' }) tokenId!: string;
}

class CustomerSnapshotDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

class MeDto {
  @ApiProperty({ type: PrincipalDto }) principal!: PrincipalDto;
  @ApiProperty({ type: CustomerSnapshotDto, nullable: true }) customer!: CustomerSnapshotDto | null;
  @ApiProperty({ description: 'token expiry (ISO 8601)' }) expiresAt!: string;
}

/** The caller's session: who the token says it is, and logout. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** The verified principal and the customer snapshot of the session. */
  @Get('me')
  @ApiOkResponse({ type: MeDto })
  async me(@Req() req: IncomingMessage): Promise<MeDto> {
    const session = await this.auth.session(this.token(req));
    return {
      principal: session.principal,
      customer: session.customer,
      expiresAt: new Date(session.exp).toISOString(),
    };
  }

  /** Revokes the presented token until it expires; every instance refuses it once this answers. */
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse()
  async logout(@Req() req: IncomingMessage): Promise<void> {
    const token = this.token(req);
    const session = await this.auth.session(token);
    await this.auth.logout(token, session.principal, session.exp);
  }

  private token(req: IncomingMessage): string {
    const token = bearerToken(req.headers);
    // The guard let the request through, so a principal exists; ADMIN_TOKEN is an operator setting, not a session.
    if (token === undefined || this.auth.isAdminToken(token)) {
      throw new ProblemException(400, 'not-a-session', 'Bad Request', {
        detail: 'ADMIN_TOKEN is an operator credential without a session; use a JWT',
      });
    }
    return token;
  }
}
