import { render, screen } from '@testing-library/react';
import { beforeAll, describe, expect, it } from 'vitest';
import { initI18n } from '../i18n/i18n';
import { QuotaBars } from './quota-bars';

describe('<QuotaBars>', () => {
  beforeAll(() => initI18n('en'));

  it('names the cluster and shows hard, allocated and used exactly, per resource', () => {
    render(
      <QuotaBars
        cluster="member-a"
        hard={{ 'requests.cpu': '2', pods: '20' }}
        allocated={{ 'requests.cpu': '1500m' }}
        used={{ 'requests.cpu': '333m', pods: '3' }}
      />,
    );
    expect(screen.getByLabelText('Quota on member-a')).toBeInTheDocument();
    expect(screen.getByTestId('quota-member-a-requests.cpu')).toHaveTextContent('used 333m · allocated 1500m · hard 2');
    expect(screen.getByTestId('quota-member-a-pods')).toHaveTextContent('used 3 · allocated 0 · hard 20');
  });

  it('says when a cluster has no quota', () => {
    render(<QuotaBars cluster="member-b" hard={{}} />);
    expect(screen.getByText('No quota on member-b.')).toBeInTheDocument();
  });
});
