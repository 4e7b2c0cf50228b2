import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** `?tokenName=&expiresAt=`: the API token a downloaded kubeconfig carries (API.md "Users, tokens"). */
export class KubeconfigQuery {
  @ApiPropertyOptional({
    description: 'Name of the API token created for this kubeconfig; default `kubeconfig-<cluster>` (`kubeconfig` for every cluster).',
    maxLength: 128,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  tokenName?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When the token expires; default never (revoke it with DELETE /api/v1/tokens/{id}).',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}
