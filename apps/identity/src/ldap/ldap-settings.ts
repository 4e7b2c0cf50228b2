import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigurationError, SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { parseGroupRoleMapping, GroupRoleMapping } from '../external-login/group-role-mapping';
import { readSecretSetting } from '../external-login/secret-setting';
import { IdentityEnvironment } from '../identity-environment';

/** LDAP login settings, read and checked once at start; null when LDAP is not configured. */
export interface LdapSettings {
  url: string;
  bindDn: string | null;
  bindPassword: string;
  userBase: string;
  userFilter: string;
  attributes: { username: string; displayName: string; email: string; phone: string };
  groups: { kind: 'search'; base: string; filter: string } | { kind: 'member-of'; attribute: string };
  startTls: boolean;
  tlsOptions: ConnectionOptions | undefined;
  timeoutMs: number;
  mapping: GroupRoleMapping[];
}

export const LDAP_SETTINGS = Symbol('LDAP_SETTINGS');

export function ldapSettingsOf(env: IdentityEnvironment): LdapSettings | null {
  if (env.CUBE_LDAP_URL === undefined) return null;
  const bindPassword = readSecretSetting('CUBE_LDAP_BIND_PASSWORD', env.CUBE_LDAP_BIND_PASSWORD, env.CUBE_LDAP_BIND_PASSWORD_FILE);
  if (env.CUBE_LDAP_BIND_DN !== undefined && !bindPassword) {
    throw new ConfigurationError('invalid configuration: CUBE_LDAP_BIND_DN needs CUBE_LDAP_BIND_PASSWORD or CUBE_LDAP_BIND_PASSWORD_FILE');
  }
  let ca: Buffer | undefined;
  if (env.CUBE_LDAP_CA_FILE !== undefined) {
    try {
      ca = readFileSync(env.CUBE_LDAP_CA_FILE);
    } catch {
      throw new ConfigurationError('invalid configuration: CUBE_LDAP_CA_FILE cannot be read');
    }
  }
  const tls = env.CUBE_LDAP_URL.startsWith('ldaps:') || env.CUBE_LDAP_STARTTLS;
  return {
    url: env.CUBE_LDAP_URL,
    bindDn: env.CUBE_LDAP_BIND_DN ?? null,
    bindPassword: bindPassword ?? '',
    userBase: env.CUBE_LDAP_USER_BASE ?? '',
    userFilter: env.CUBE_LDAP_USER_FILTER,
    attributes: {
      username: env.CUBE_LDAP_USERNAME_ATTRIBUTE,
      displayName: env.CUBE_LDAP_DISPLAY_NAME_ATTRIBUTE,
      email: env.CUBE_LDAP_EMAIL_ATTRIBUTE,
      phone: env.CUBE_LDAP_PHONE_ATTRIBUTE,
    },
    groups:
      env.CUBE_LDAP_GROUP_BASE !== undefined
        ? { kind: 'search', base: env.CUBE_LDAP_GROUP_BASE, filter: env.CUBE_LDAP_GROUP_FILTER }
        : { kind: 'member-of', attribute: env.CUBE_LDAP_MEMBER_OF_ATTRIBUTE },
    startTls: env.CUBE_LDAP_STARTTLS,
    tlsOptions: tls ? { ...(ca ? { ca } : {}), minVersion: 'TLSv1.2' } : undefined,
    timeoutMs: env.CUBE_LDAP_TIMEOUT_MS,
    mapping: parseGroupRoleMapping('CUBE_LDAP_ROLE_MAPPING', env.CUBE_LDAP_ROLE_MAPPING),
  };
}

export const ldapSettingsProvider = { provide: LDAP_SETTINGS, useFactory: ldapSettingsOf, inject: [SERVICE_ENVIRONMENT] };
