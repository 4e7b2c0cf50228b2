import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, Entry, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import { CubeError } from '@cube/contracts';
import { fillFilter } from './ldap-filter';
import { LDAP_SETTINGS, LdapSettings } from './ldap-settings';

/** Node's error codes for a certificate chain or name that does not verify (tls.connect). */
const TLS_VERIFICATION_CODES = /^(UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT_ALTNAME_INVALID)/;

/** A directory user whose password was just verified by binding as them. */
export interface LdapAccount {
  dn: string;
  username: string;
  displayName: string | null;
  email: string | null;
  phone: string | null;
  /** Group DNs. */
  groups: string[];
}

const first = (entry: Entry, attribute: string): string | null => {
  const key = Object.keys(entry).find((name) => name.toLowerCase() === attribute.toLowerCase());
  const value = key ? entry[key] : undefined;
  const one = Array.isArray(value) ? value[0] : value;
  if (one === undefined) return null;
  return Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
};

const all = (entry: Entry, attribute: string): string[] => {
  const key = Object.keys(entry).find((name) => name.toLowerCase() === attribute.toLowerCase());
  const value = key ? entry[key] : undefined;
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((one) => (Buffer.isBuffer(one) ? one.toString('utf8') : String(one)));
};

/**
 * Password check against an LDAP directory (RFC 4513 simple bind): bind as the service account,
 * find exactly one entry for the name, bind as that entry with the password, read its groups.
 * `null` means "no such user or wrong password" (the caller answers both the same);
 * an unreachable or misconfigured directory is UNAVAILABLE with a reason, never a 401.
 */
@Injectable()
export class LdapDirectory {
  private readonly logger = new Logger(LdapDirectory.name);

  constructor(@Inject(LDAP_SETTINGS) private readonly settings: LdapSettings | null) {}

  get configured(): boolean {
    return this.settings !== null;
  }

  async authenticate(username: string, password: string): Promise<LdapAccount | null> {
    const settings = this.settingsOrThrow();
    // An empty password is an "unauthenticated bind" (RFC 4513 §5.1.2), which many servers accept.
    if (password === '' || username === '') return null;
    const service = await this.connect(settings);
    try {
      await this.serviceBind(service, settings);
      const entry = await this.findUser(service, settings, username);
      if (!entry) return null;
      if (!(await this.passwordMatches(settings, entry.dn, password))) return null;
      const directoryName = first(entry, settings.attributes.username);
      if (directoryName === null) {
        this.logger.warn({ dn: entry.dn, attribute: settings.attributes.username }, 'LDAP user has no user name attribute');
        return null;
      }
      return {
        dn: entry.dn,
        username: directoryName,
        displayName: first(entry, settings.attributes.displayName),
        email: first(entry, settings.attributes.email),
        phone: first(entry, settings.attributes.phone),
        groups: await this.groupsOf(service, settings, entry, directoryName),
      };
    } catch (error: unknown) {
      throw this.unavailable(error);
    } finally {
      await service.unbind().catch(() => undefined);
    }
  }

  private settingsOrThrow(): LdapSettings {
    if (!this.settings) {
      throw new CubeError('BAD_REQUEST', 'LDAP login is not configured on this Cube', {
        reason: 'provider_not_configured',
        provider: 'ldap',
      });
    }
    return this.settings;
  }

  private async connect(settings: LdapSettings): Promise<Client> {
    // ldapts opens TLS at once whenever it is given tlsOptions, even for ldap://: with StartTLS they
    // go to startTLS only. Copies: ldapts writes the connection's socket into the options it gets.
    const client = new Client({
      url: settings.url,
      timeout: settings.timeoutMs,
      connectTimeout: settings.timeoutMs,
      tlsOptions: settings.tlsOptions && !settings.startTls ? { ...settings.tlsOptions } : undefined,
    });
    if (settings.startTls) {
      try {
        // The certificate is checked against the URL's host, as for ldaps://.
        await client.startTLS({ ...settings.tlsOptions, host: new URL(settings.url).hostname });
      } catch (error: unknown) {
        await client.unbind().catch(() => undefined);
        throw this.unavailable(error);
      }
    }
    return client;
  }

  private async serviceBind(client: Client, settings: LdapSettings): Promise<void> {
    if (!settings.bindDn) return;
    try {
      await client.bind(settings.bindDn, settings.bindPassword);
    } catch (error: unknown) {
      if (error instanceof ResultCodeError) {
        this.logger.error({ resultCode: error.code }, 'the LDAP service account cannot bind: check CUBE_LDAP_BIND_DN and its password');
        throw new CubeError('UNAVAILABLE', 'the LDAP directory refused the service account', { reason: 'ldap_service_bind_failed' });
      }
      throw error;
    }
  }

  private async findUser(client: Client, settings: LdapSettings, username: string): Promise<Entry | null> {
    const { searchEntries } = await client.search(settings.userBase, {
      scope: 'sub',
      filter: fillFilter(settings.userFilter, { username }),
      sizeLimit: 2,
      attributes: [
        'dn',
        ...Object.values(settings.attributes),
        ...(settings.groups.kind === 'member-of' ? [settings.groups.attribute] : []),
      ],
    });
    if (searchEntries.length > 1)
      this.logger.warn({ filter: settings.userFilter }, 'LDAP user filter matches several entries; refusing the login');
    return searchEntries.length === 1 ? (searchEntries[0] ?? null) : null;
  }

  private async passwordMatches(settings: LdapSettings, dn: string, password: string): Promise<boolean> {
    const user = await this.connect(settings);
    try {
      await user.bind(dn, password);
      return true;
    } catch (error: unknown) {
      if (error instanceof InvalidCredentialsError) return false;
      // Other result codes on a user bind (account locked, password expired, …) are refusals too.
      if (error instanceof ResultCodeError) {
        this.logger.warn({ resultCode: error.code }, 'LDAP refused the user bind');
        return false;
      }
      throw error;
    } finally {
      await user.unbind().catch(() => undefined);
    }
  }

  private async groupsOf(client: Client, settings: LdapSettings, entry: Entry, username: string): Promise<string[]> {
    if (settings.groups.kind === 'member-of') return all(entry, settings.groups.attribute);
    const { searchEntries } = await client.search(settings.groups.base, {
      scope: 'sub',
      filter: fillFilter(settings.groups.filter, { dn: entry.dn, username }),
      attributes: ['dn'],
    });
    return searchEntries.map((group) => group.dn);
  }

  private unavailable(error: unknown): CubeError {
    if (error instanceof CubeError) return error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_VERIFICATION_CODES.test(code)) {
      // An operator must tell "down" from "not trusted": the latter is fixed in CUBE_LDAP_CA_FILE or the server's certificate.
      this.logger.error(
        { code },
        "the LDAP server's certificate is not trusted: check CUBE_LDAP_CA_FILE and the server name in CUBE_LDAP_URL",
      );
      return new CubeError('UNAVAILABLE', "the LDAP directory's certificate is not trusted", { reason: 'ldap_tls_untrusted' });
    }
    this.logger.warn({ err: error instanceof Error ? error.message : String(error), code }, 'LDAP directory unavailable');
    return new CubeError('UNAVAILABLE', 'the LDAP directory is unavailable', { reason: 'ldap_unavailable' });
  }
}
