import { CubeError } from '@cube/contracts';
import { assertAcceptablePassword } from './password-policy';

describe('password policy', () => {
  it('accepts a long password that does not contain the user name', () => {
    expect(() => assertAcceptablePassword('alice', 'correct horse battery')).not.toThrow();
  });

  it('refuses a password shorter than ten characters', () => {
    expect(() => assertAcceptablePassword('alice', 'short1234')).toThrow('password must be at least 10 characters long');
  });

  it('refuses a password containing the user name, whatever its case', () => {
    const attempt = () => assertAcceptablePassword('alice', 'ALICE-is-great-2026');
    expect(attempt).toThrow(CubeError);
    expect(attempt).toThrow('must not contain the user name');
  });
});
