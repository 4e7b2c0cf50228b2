export { parsePromql, scopeQuery, scopeSeriesSelector, visibleSeriesSelectors } from './scope-query';
export {
  ClusterNamespace,
  MATCH_NOTHING,
  rectanglesOf,
  SCOPE_LABELS,
  ScopeRectangle,
  SEE_ALL,
  Visibility,
  visiblePairs,
} from './visibility';
