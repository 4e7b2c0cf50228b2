export * from './cube-streams';
export * from './event-publisher';
export * from './audit-publisher';
