import { Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import { CubeError, DNS_LABEL } from '@cube/contracts';
import { ApiErrors } from '../docs/api-errors';

/**
 * What a path segment may be. Every path parameter of the REST API is one of these kinds; the
 * gateway checks it before anything reaches the bus, so a NUL byte or a 10 kB segment never gets
 * as far as a service or PostgreSQL.
 */
interface PathParamKind {
  /** The OpenAPI schema of the parameter (pattern or format, so clients can check it too). */
  schema: { type: 'string'; pattern?: string; format?: string; maxLength?: number };
  accepts(value: string): boolean;
  problem: string;
}

const AUDIT_RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,511}$/;

/**
 * A malformed name or id is 400 whatever the caller may see: the answer depends on the text of the
 * path alone, so it tells nothing about which resources exist (API.md's "not visible is 404" is
 * about well-formed names, which still reach the service and get its 404).
 */
const KINDS = {
  name: {
    schema: { type: 'string', pattern: DNS_LABEL.source, maxLength: 63 },
    accepts: (value) => DNS_LABEL.test(value),
    problem: 'must be a DNS label: lower-case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit',
  },
  id: {
    schema: { type: 'string', format: 'uuid' },
    accepts: (value) => isUUID(value),
    problem: 'must be a UUID',
  },
  /**
   * An audit record's id: a UUID for Cube's own records; for a member's native events the
   * kube-apiserver's audit ID (a UUID, or whatever `Audit-ID` a client sent it), `/<stage>` added
   * for a stage before ResponseComplete.
   */
  recordId: {
    schema: { type: 'string', pattern: AUDIT_RECORD_ID.source, maxLength: 512 },
    accepts: (value) => AUDIT_RECORD_ID.test(value),
    problem: 'must be an audit record id: letters, digits and ".", "_", ":", "/", "-", at most 512 characters',
  },
} satisfies Record<string, PathParamKind>;

export type PathParamKindName = keyof typeof KINDS;

/** Refuses a path parameter that is not of its kind with 400 and `details.fields` naming it. */
export class PathParamPipe implements PipeTransform<unknown, string> {
  constructor(
    private readonly name: string,
    private readonly kind: PathParamKindName,
  ) {}

  transform(value: unknown): string {
    if (typeof value === 'string' && KINDS[this.kind].accepts(value)) return value;
    throw new CubeError('BAD_REQUEST', `invalid request: path parameter ${this.name}`, {
      fields: [{ field: this.name, in: 'path', problems: [`${this.name} ${KINDS[this.kind].problem}`] }],
    });
  }
}

/**
 * `@Param(name)` checked against its kind, documented in OpenAPI (`@ApiParam` with the pattern or
 * format, and the 400) from the same place, so a route cannot validate one thing and document another.
 */
function pathParam(name: string, kind: PathParamKindName, description?: string): ParameterDecorator {
  const param = Param(name, new PathParamPipe(name, kind));
  return (target, key, index) => {
    param(target, key, index);
    if (key === undefined) return;
    // A parameter decorator sees the prototype and method name; the Swagger decorators want the method's descriptor.
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (!descriptor) return;
    ApiParam({ name, required: true, schema: KINDS[kind].schema, ...(description ? { description } : {}) })(target, key, descriptor);
    ApiErrors(400)(target, key, descriptor);
  };
}

/** A path parameter that names a Cube object (user, tenant, project, cluster, namespace): a DNS label. */
export const NameParam = (name: string, description?: string): ParameterDecorator => pathParam(name, 'name', description);

/** A path parameter that is a server-issued id (role binding, API token): a UUID. */
export const IdParam = (name: string, description?: string): ParameterDecorator => pathParam(name, 'id', description);

/** A path parameter that is an audit record's id (`GET /api/v1/audit/events/{id}`); a `/` in it is sent as `%2F`. */
export const RecordIdParam = (name: string, description?: string): ParameterDecorator => pathParam(name, 'recordId', description);
