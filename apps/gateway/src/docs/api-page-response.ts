import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';

/**
 * Documents a list operation's 200 as API.md's page, `{ items: Item[], nextCursor: string | null }`,
 * for any item view class (`Page<T>` is an interface, which the document cannot see).
 */
export function ApiPageResponse(item: Type<unknown>, description?: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({
      ...(description ? { description } : {}),
      schema: {
        type: 'object',
        required: ['items', 'nextCursor'],
        properties: {
          items: { type: 'array', items: { $ref: getSchemaPath(item) } },
          nextCursor: { type: 'string', nullable: true, description: 'pass as ?cursor= for the next page; null on the last page' },
        },
      },
    }),
  );
}
