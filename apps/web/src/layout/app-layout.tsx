import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Avatar, Button, Dropdown, Layout, Menu, Space, Typography, type MenuProps } from 'antd';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { useApi } from '../api/api-context';
import { CloudShellButton } from '../console/cloud-shell-button';
import { useMe } from '../auth/me';
import { RESOURCE_KINDS } from '../workloads/kinds';
import { LanguageSwitch } from './language-switch';
import { scopeFromPath, scopePath } from './scope';
import { ScopeSwitcher } from './scope-switcher';

type MenuItem = Required<MenuProps>['items'][number];

export function AppLayout() {
  const { t } = useTranslation();
  const { session } = useApi();
  const { me, ability } = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const scope = scopeFromPath(location.pathname);
  const signOut = useMutation({
    mutationFn: () => session.signOut(),
    onSettled: () => {
      queryClient.clear();
      void navigate('/sign-in', { replace: true });
    },
  });

  // Workload entries point into the namespace in the URL, or to a namespace picker without one.
  const kindPath = (key: string) => (scope.cluster && scope.namespace ? `${scopePath(scope)}/${key}` : `/workloads/${key}`);
  const kindItems = (area: string) =>
    RESOURCE_KINDS.filter((kind) => kind.area === area).map((kind) => ({ key: kindPath(kind.key), label: t(`kinds.${kind.key}`) }));
  const seesNamespaces = ability.can('read', 'Namespace');
  // Metrics & alerts are a project's: the project in the URL, or a project picker without one.
  const metricsPath = scope.tenant && scope.project ? `${scopePath({ tenant: scope.tenant, project: scope.project })}/metrics` : '/metrics';
  // UI.md: entries the caller may not use are hidden, not greyed.
  const items: MenuItem[] = [
    { key: '/', label: t('nav.overview') },
    ability.can('read', 'Cluster') ? { key: '/clusters', label: t('nav.clusters') } : null,
    ability.can('read', 'Tenant') ? { key: '/tenants', label: t('nav.tenants') } : null,
    seesNamespaces ? { key: 'workloads', label: t('nav.workloads'), children: kindItems('workloads') } : null,
    seesNamespaces ? { key: 'network', label: t('nav.network'), children: kindItems('network') } : null,
    seesNamespaces ? { key: 'configuration', label: t('nav.configuration'), children: kindItems('configuration') } : null,
    seesNamespaces ? { key: kindPath('events'), label: t('nav.events') } : null,
    {
      key: 'access',
      label: t('nav.access'),
      children: [
        ability.can('create', 'User') ? { key: '/users', label: t('nav.users') } : null,
        ability.can('read', 'RoleBinding') ? { key: '/rolebindings', label: t('nav.rolebindings') } : null,
        { key: '/profile', label: t('nav.profile') },
      ].filter(Boolean) as MenuItem[],
    },
    ability.can('read', 'AuditEvent') ? { key: '/audit', label: t('nav.audit') } : null,
    ability.can('read', 'HotplugComponent') ? { key: '/components', label: t('nav.components') } : null,
    ability.can('read', 'Project') ? { key: metricsPath, label: t('nav.metrics') } : null,
  ].filter(Boolean) as MenuItem[];

  const selected =
    location.pathname === metricsPath
      ? metricsPath
      : location.pathname.startsWith('/t/') && scope.namespace
        ? location.pathname.split('/').slice(0, 10).join('/')
        : `/${location.pathname.split('/')[1] ?? ''}`;

  const userMenu: MenuProps['items'] = [
    { key: 'profile', label: t('user.profile'), onClick: () => void navigate('/profile') },
    { key: 'tokens', label: t('user.tokens'), onClick: () => void navigate('/profile#tokens') },
    { key: 'kubeconfig', label: t('user.kubeconfig'), onClick: () => void navigate('/profile#kubeconfig') },
    { type: 'divider' },
    { key: 'signOut', label: t('user.signOut'), onClick: () => signOut.mutate() },
  ];

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 24, paddingInline: 24, background: '#001529' }}>
        <Typography.Link
          href="/"
          onClick={(e) => (e.preventDefault(), void navigate('/'))}
          style={{ color: '#fff', fontSize: 20, fontWeight: 600 }}
        >
          {t('app.name')}
        </Typography.Link>
        <nav aria-label={t('scope.label')}>
          <ScopeSwitcher />
        </nav>
        <div style={{ flex: 1 }} />
        <CloudShellButton />
        <LanguageSwitch />
        <Dropdown menu={{ items: userMenu }} trigger={['click']}>
          <Button type="text" style={{ color: '#fff' }} aria-label={t('user.menu', { user: me.user.name })}>
            <Space>
              <Avatar size="small" style={{ background: '#1f5fbf' }}>
                {me.user.name.slice(0, 1).toUpperCase()}
              </Avatar>
              {me.user.displayName || me.user.name}
            </Space>
          </Button>
        </Dropdown>
      </Layout.Header>
      <Layout>
        <Layout.Sider width={220} theme="light" breakpoint="lg" collapsedWidth={0}>
          <nav aria-label={t('nav.label')}>
            <Menu
              mode="inline"
              items={items}
              selectedKeys={[selected]}
              defaultOpenKeys={['workloads', 'network', 'configuration', 'access']}
              onClick={({ key }) => void navigate(key)}
              style={{ height: '100%', borderRight: 0 }}
            />
          </nav>
        </Layout.Sider>
        <Layout.Content style={{ padding: 24, background: '#f5f5f5' }}>
          <main>
            <Outlet />
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
