import { gzipSync } from 'node:zlib';
import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { NameParam } from '../params/path-params';
import type { Request } from 'express';
import {
  AuthenticatedPrincipal,
  ComponentDefaults,
  ComponentDefaultsBody,
  ComponentDefaultsView,
  ComponentItemView,
  ComponentView,
  CreateCustomComponentBody,
  CubeError,
  CustomComponentPayload,
  HotplugSubjects,
  MAX_BUNDLE_BYTES,
  Page,
  PageQuery,
  ReplaceCustomComponentBody,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor } from '../envelope/envelope.factory';

/** A change of defaults or bundle re-renders every cluster using the component: a longer deadline. */
const DELIVERY_TIMEOUT_MS = 30_000;

/**
 * The bundle as it crosses NATS: gzip, base64. A NATS message holds 1 MiB by default and a bundle
 * may be 2 MiB; the size limit is checked here on the text, so nothing larger is ever sent.
 */
export function packBundle(body: { name: string; namespace: string; description?: string; bundle: string }): CustomComponentPayload {
  const bytes = Buffer.byteLength(body.bundle, 'utf8');
  if (bytes > MAX_BUNDLE_BYTES) {
    throw new CubeError('UNPROCESSABLE', `the bundle is ${bytes} bytes; at most ${MAX_BUNDLE_BYTES} (2 MiB) are accepted`, {
      fields: [{ field: 'bundle', problems: [`at most ${MAX_BUNDLE_BYTES} bytes (2 MiB); this one has ${bytes}`] }],
    });
  }
  return {
    name: body.name,
    namespace: body.namespace,
    ...(body.description !== undefined ? { description: body.description } : {}),
    bundleGzip: gzipSync(Buffer.from(body.bundle, 'utf8')).toString('base64'),
  };
}

@ApiTags('hotplug')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1/hotplug/components')
export class HotplugComponentsController {
  constructor(private readonly bus: ServiceRequester) {}

  @Get()
  @ApiPageResponse(ComponentItemView, 'The catalog, built-in and custom. Callers who may not change components get names only.')
  @ApiErrors(400)
  list(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() page: PageQuery,
  ): Promise<Page<ComponentView | { name: string }>> {
    return this.bus.request(
      HotplugSubjects.componentList,
      envelopeFor(req, actorOf(principal), { limit: page.limit, cursor: page.cursor }),
    );
  }

  @Post()
  @ApiCreatedResponse({
    type: ComponentItemView,
    description: 'A custom component: its multi-document YAML checked and stored; disabled until defaults or an override enable it.',
  })
  @ApiErrors(400, 404, 409, 413, 422)
  create(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Body() body: CreateCustomComponentBody,
  ): Promise<ComponentView> {
    return this.bus.request(HotplugSubjects.componentCreate, envelopeFor(req, actorOf(principal), packBundle(body)));
  }

  @Get(':component')
  @ApiOkResponse({ type: ComponentItemView, description: 'One component: the JSON Schema of its values, its version and defaults.' })
  @ApiErrors(404)
  get(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('component') component: string,
  ): Promise<ComponentView> {
    return this.bus.request(HotplugSubjects.componentGet, envelopeFor(req, actorOf(principal), { component }));
  }

  @Put(':component')
  @ApiOkResponse({
    type: ComponentItemView,
    description: "A custom component's bundle replaced; every cluster using it is re-rendered (objects that left the bundle are pruned).",
  })
  @ApiErrors(400, 404, 409, 413, 422)
  replace(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('component') component: string,
    @Body() body: ReplaceCustomComponentBody,
  ): Promise<ComponentView> {
    return this.bus.request(
      HotplugSubjects.componentReplace,
      envelopeFor(req, actorOf(principal), { component, body: packBundle({ ...body, name: component }) }),
      DELIVERY_TIMEOUT_MS,
    );
  }

  @Delete(':component')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'A custom component removed from the catalog.' })
  @ApiErrors(404, 409)
  async delete(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('component') component: string,
  ): Promise<void> {
    await this.bus.request(HotplugSubjects.componentDelete, envelopeFor(req, actorOf(principal), { component }), DELIVERY_TIMEOUT_MS);
  }

  @Get(':component/defaults')
  @ApiOkResponse({ type: ComponentDefaultsView, description: 'Platform defaults; `values` are merged over the catalog values.' })
  @ApiErrors(404)
  defaults(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('component') component: string,
  ): Promise<ComponentDefaults> {
    return this.bus.request(HotplugSubjects.defaultsGet, envelopeFor(req, actorOf(principal), { component }));
  }

  @Put(':component/defaults')
  @ApiOkResponse({
    type: ComponentDefaultsView,
    description: 'Defaults stored and every cluster without an override of `enabled`/values re-rendered.',
  })
  @ApiErrors(400, 404, 422)
  setDefaults(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('component') component: string,
    @Body() body: ComponentDefaultsBody,
  ): Promise<ComponentDefaults> {
    return this.bus.request(HotplugSubjects.defaultsSet, envelopeFor(req, actorOf(principal), { component, body }), DELIVERY_TIMEOUT_MS);
  }
}
