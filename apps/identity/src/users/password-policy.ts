import { CubeError } from '@cube/contracts';

export const MIN_PASSWORD_LENGTH = 10;

/** Password policy of local accounts: long enough and not the user's own name. */
export function assertAcceptablePassword(userName: string, password: string): void {
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) problems.push(`must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  if (password.toLowerCase().includes(userName.toLowerCase())) problems.push('must not contain the user name');
  if (problems.length > 0) {
    throw new CubeError('UNPROCESSABLE', `password ${problems.join(' and ')}`, {
      fields: [{ field: 'password', problems }],
    });
  }
}
