import { ComponentReport } from '@cube/contracts';
import { componentPhase } from './component-phase';

const report = (over: Partial<ComponentReport> = {}): ComponentReport => ({
  component: 'monitoring',
  generation: 2,
  objects: 3,
  applied: 3,
  failed: [],
  workloads: [{ kind: 'Deployment', namespace: 'm', name: 'p', desired: 1, ready: 1, current: true }],
  ...over,
});

describe('component phase', () => {
  it('is pending until Warden reports the generation written', () => {
    expect(componentPhase({ enabled: true, generation: 3, runningGeneration: 2, report: report() }).phase).toBe('pending');
    expect(componentPhase({ enabled: true, generation: 2, runningGeneration: null, report: undefined }).phase).toBe('pending');
  });

  it("is failed with the API server's message when an object was refused", () => {
    const verdict = componentPhase({
      enabled: true,
      generation: 2,
      runningGeneration: null,
      report: report({ applied: 2, failed: [{ key: 'k', message: 'apply Deployment m/p: (Invalid) Deployment.apps "p" is invalid' }] }),
    });
    expect(verdict).toEqual({
      phase: 'failed',
      message: 'apply Deployment m/p: (Invalid) Deployment.apps "p" is invalid',
      observedGeneration: 2,
    });
  });

  it('is applying while workloads are not ready, degraded when they stop being ready after running', () => {
    const unready = report({ workloads: [{ kind: 'Deployment', namespace: 'm', name: 'p', desired: 1, ready: 0, current: true }] });
    expect(componentPhase({ enabled: true, generation: 2, runningGeneration: 1, report: unready })).toMatchObject({
      phase: 'applying',
      message: 'Deployment m/p: 0/1 ready',
    });
    expect(componentPhase({ enabled: true, generation: 2, runningGeneration: 2, report: unready }).phase).toBe('degraded');
    expect(componentPhase({ enabled: true, generation: 2, runningGeneration: null, report: report({ applied: 1 }) }).phase).toBe(
      'applying',
    );
  });

  it('is running when every object is applied and every workload ready, disabled when not enabled', () => {
    expect(componentPhase({ enabled: true, generation: 2, runningGeneration: null, report: report() }).phase).toBe('running');
    expect(componentPhase({ enabled: false, generation: 2, runningGeneration: null, report: undefined }).phase).toBe('disabled');
  });
});
