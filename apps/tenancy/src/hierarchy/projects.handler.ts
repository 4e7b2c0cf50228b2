import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Page, Project, TenancySubjects } from '@cube/contracts';
import { Actor } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { CreateProjectPayload, DeleteProjectPayload, ProjectRef, TenantPagePayload, UpdateProjectPayload } from '../shared/refs';
import { ProjectsService } from './projects.service';

const projectTarget = (p: Record<string, unknown>, name: unknown) => ({ kind: 'Project', name: String(name), tenant: String(p['tenant']) });

@Controller()
export class ProjectsHandler {
  constructor(private readonly projects: ProjectsService) {}

  @MessagePattern(TenancySubjects.projectList)
  list(@Payload('payload') body: TenantPagePayload, @Actor() actor: Actor): Promise<Page<Project>> {
    return this.projects.list(actor, body.tenant, body);
  }

  @MessagePattern(TenancySubjects.projectGet)
  get(@Payload('payload') ref: ProjectRef, @Actor() actor: Actor): Promise<Project> {
    return this.projects.get(actor, ref.tenant, ref.project);
  }

  @MessagePattern(TenancySubjects.projectCreate)
  @Audited({ action: 'project.create', target: (p) => projectTarget(p, (p['body'] as Record<string, unknown> | undefined)?.['name']) })
  create(@Payload('payload') payload: CreateProjectPayload, @Actor() actor: Actor): Promise<Project> {
    return this.projects.create(actor, payload.tenant, payload.body);
  }

  @MessagePattern(TenancySubjects.projectUpdate)
  @Audited({ action: 'project.update', target: (p) => projectTarget(p, p['project']) })
  update(@Payload('payload') payload: UpdateProjectPayload, @Actor() actor: Actor): Promise<Project> {
    return this.projects.update(actor, payload.tenant, payload.project, payload.body);
  }

  @MessagePattern(TenancySubjects.projectDelete)
  @Audited({ action: 'project.delete', target: (p) => ({ ...projectTarget(p, p['project']), cascade: p['cascade'] === true }) })
  async delete(@Payload('payload') payload: DeleteProjectPayload, @Actor() actor: Actor): Promise<null> {
    await this.projects.delete(actor, payload.tenant, payload.project, payload.cascade === true);
    return null;
  }
}
