import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { useSignedIn } from '../api/api-context';
import { MeProvider } from '../auth/me';
import { OidcReturnPage } from '../auth/oidc-return-page';
import { SignInPage } from '../auth/sign-in-page';
import { AppLayout } from '../layout/app-layout';
import { PageLoading } from '../ui/page-state';

// Code-split per area (UI.md quality bar): each area's chunk loads when first visited.
const OverviewPage = lazy(() => import('../overview/overview-page'));
const ClustersPage = lazy(() => import('../clusters/clusters-page'));
const ClusterDetailPage = lazy(() => import('../clusters/cluster-detail-page'));
const TenantsPage = lazy(() => import('../tenancy/tenants-page'));
const TenantPage = lazy(() => import('../tenancy/tenant-page'));
const ProjectPage = lazy(() => import('../tenancy/project-page'));
const NamespacePickerPage = lazy(() => import('../workloads/namespace-picker-page'));
const ResourceListPage = lazy(() => import('../workloads/resource-list-page'));
const ResourceDetailPage = lazy(() => import('../workloads/resource-detail-page'));
const UsersPage = lazy(() => import('../access/users-page'));
const BindingsPage = lazy(() => import('../access/bindings-page'));
const ProfilePage = lazy(() => import('../access/profile-page'));
const AuditPage = lazy(() => import('../audit/audit-page'));
const ComponentsPage = lazy(() => import('../hotplug/components-page'));
const MetricsPage = lazy(() => import('../metrics/metrics-page'));
const MetricsProjectPickerPage = lazy(() => import('../metrics/metrics-project-picker-page'));

function RequireSession({ children }: { children: ReactNode }) {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) return <Navigate to="/sign-in" replace state={{ from: `${location.pathname}${location.search}` }} />;
  return <MeProvider>{children}</MeProvider>;
}

const page = (element: ReactNode) => <Suspense fallback={<PageLoading />}>{element}</Suspense>;

export function AppRoutes() {
  const ns = 't/:tenant/p/:project/c/:cluster/ns/:namespace';
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/auth/oidc" element={<OidcReturnPage />} />
      <Route
        element={
          <RequireSession>
            <AppLayout />
          </RequireSession>
        }
      >
        <Route index element={page(<OverviewPage />)} />
        <Route path="clusters" element={page(<ClustersPage />)} />
        <Route path="clusters/:cluster" element={page(<ClusterDetailPage />)} />
        <Route path="tenants" element={page(<TenantsPage />)} />
        <Route path="t/:tenant" element={page(<TenantPage />)} />
        <Route path="t/:tenant/p/:project" element={page(<ProjectPage />)} />
        <Route path="workloads/:kind" element={page(<NamespacePickerPage />)} />
        <Route path={`${ns}/:kind`} element={page(<ResourceListPage />)} />
        <Route path={`${ns}/:kind/:name`} element={page(<ResourceDetailPage />)} />
        <Route path="users" element={page(<UsersPage />)} />
        <Route path="rolebindings" element={page(<BindingsPage />)} />
        <Route path="profile" element={page(<ProfilePage />)} />
        <Route path="audit" element={page(<AuditPage />)} />
        <Route path="components" element={page(<ComponentsPage />)} />
        <Route path="metrics" element={page(<MetricsProjectPickerPage />)} />
        <Route path="t/:tenant/p/:project/metrics" element={page(<MetricsPage />)} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
