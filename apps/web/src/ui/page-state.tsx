import { Alert, Result, Spin } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/api-error';

export function PageLoading() {
  const { t } = useTranslation();
  return (
    <div style={{ padding: 48, textAlign: 'center' }}>
      <Spin aria-label={t('common.loading')} />
    </div>
  );
}

/**
 * UI.md feedback: 403 says the caller lacks access, 404 looks like a missing object whether it is
 * missing or hidden (the API never leaks existence, neither do we), anything else shows the API's message.
 */
export function PageError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error instanceof ApiError && error.status === 403) {
    return <Result status="403" title={t('errors.forbiddenTitle')} subTitle={error.message || t('errors.forbidden')} />;
  }
  if (error instanceof ApiError && error.status === 404) {
    return <Result status="404" title={t('errors.notFoundTitle')} subTitle={t('errors.notFound')} />;
  }
  return <Alert type="error" showIcon message={t('errors.failed')} description={errorMessage(error)} />;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** An inline error for a form or an action: the API's own message. */
export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const status = error instanceof ApiError ? error.status : undefined;
  const title = status === 403 ? t('errors.forbiddenTitle') : status === 404 ? t('errors.notFoundTitle') : t('errors.failed');
  return <Alert role="alert" type="error" showIcon message={title} description={errorMessage(error)} style={{ marginBottom: 16 }} />;
}
