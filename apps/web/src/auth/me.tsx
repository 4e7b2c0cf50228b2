import { useQuery } from '@tanstack/react-query';
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';
import { PageError, PageLoading } from '../ui/page-state';
import { abilityFromMe, type PlatformAbility } from './ability';

export type Me = components['schemas']['MeView'];

interface MeState {
  me: Me;
  ability: PlatformAbility;
}

const MeContext = createContext<MeState | null>(null);

export const meKey = ['me'] as const;

/** Loads `/api/v1/me` once per session: who the caller is and what the CASL rules let them do. */
export function MeProvider({ children }: { children: ReactNode }) {
  const { client } = useApi();
  const query = useQuery({ queryKey: meKey, queryFn: () => must(client.GET('/api/v1/me')), staleTime: 60_000 });
  const state = useMemo(() => (query.data ? { me: query.data, ability: abilityFromMe(query.data.rules) } : null), [query.data]);
  if (query.error) return <PageError error={query.error} />;
  if (!state) return <PageLoading />;
  return <MeContext.Provider value={state}>{children}</MeContext.Provider>;
}

export function useMe(): MeState {
  const state = useContext(MeContext);
  if (!state) throw new Error('useMe outside <MeProvider>');
  return state;
}
