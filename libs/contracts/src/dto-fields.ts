import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Property decorators applied as the same stack written above a property would be (the last first). */
function stacked(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorate of [...decorators].reverse()) decorate(target, key);
  };
}

/** The optional `displayName` of every Cube object (users, tenants, projects, clusters). */
export const OptionalDisplayName = () => stacked(ApiPropertyOptional(), IsOptional(), IsString(), MaxLength(256));

/** The optional free-text `description` of tenants, projects and clusters. */
export const OptionalDescription = () => stacked(ApiPropertyOptional(), IsOptional(), IsString(), MaxLength(2048));
