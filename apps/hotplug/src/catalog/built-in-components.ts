import { alerting } from './alerting/alerting.component';
import { ComponentDefinition } from './component';
import { logging } from './logging/logging.component';
import { metricsServer } from './metrics-server/metrics-server.component';
import { monitoring } from './monitoring/monitoring.component';

/** The built-in catalog, by name. Add a component by adding its folder and one line here. */
export const BUILT_IN_COMPONENTS: ReadonlyMap<string, ComponentDefinition> = new Map(
  [metricsServer, monitoring, logging, alerting].map((component) => [component.name, component]),
);
