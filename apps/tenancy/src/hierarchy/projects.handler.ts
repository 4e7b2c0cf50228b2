import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Envelope, Page, Project, TenancySubjects } from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { CreateProjectPayload, DeleteProjectPayload, ProjectRef, TenantPagePayload, UpdateProjectPayload } from '../shared/refs';
import { ProjectsService } from './projects.service';

const projectTarget = (p: Record<string, unknown>, name: unknown) => ({ kind: 'Project', name: String(name), tenant: String(p['tenant']) });

@Controller()
export class ProjectsHandler {
  constructor(private readonly projects: ProjectsService) {}

  @MessagePattern(TenancySubjects.projectList)
  list(@Payload() envelope: Envelope): Promise<Page<Project>> {
    const payload = validatePayload(TenantPagePayload, envelope.payload);
    return this.projects.list(envelope.actor, payload.tenant, payload);
  }

  @MessagePattern(TenancySubjects.projectGet)
  get(@Payload() envelope: Envelope): Promise<Project> {
    const payload = validatePayload(ProjectRef, envelope.payload);
    return this.projects.get(envelope.actor, payload.tenant, payload.project);
  }

  @MessagePattern(TenancySubjects.projectCreate)
  @Audited({ action: 'project.create', target: (p) => projectTarget(p, (p['body'] as Record<string, unknown> | undefined)?.['name']) })
  create(@Payload() envelope: Envelope): Promise<Project> {
    const payload = validatePayload(CreateProjectPayload, envelope.payload);
    return this.projects.create(envelope.actor, payload.tenant, payload.body);
  }

  @MessagePattern(TenancySubjects.projectUpdate)
  @Audited({ action: 'project.update', target: (p) => projectTarget(p, p['project']) })
  update(@Payload() envelope: Envelope): Promise<Project> {
    const payload = validatePayload(UpdateProjectPayload, envelope.payload);
    return this.projects.update(envelope.actor, payload.tenant, payload.project, payload.body);
  }

  @MessagePattern(TenancySubjects.projectDelete)
  @Audited({ action: 'project.delete', target: (p) => ({ ...projectTarget(p, p['project']), cascade: p['cascade'] === true }) })
  async delete(@Payload() envelope: Envelope): Promise<null> {
    const payload = validatePayload(DeleteProjectPayload, envelope.payload);
    await this.projects.delete(envelope.actor, payload.tenant, payload.project, payload.cascade === true);
    return null;
  }
}
