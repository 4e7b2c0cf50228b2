import { ApiException } from '@kubernetes/client-node';
import { describeKubeFailure, kubeFailureMessage } from './kube-failure';

const refusal = (code: number, body: unknown) => new ApiException(code, 'Unsuccessful HTTP Request', body, {});

describe('describeKubeFailure', () => {
  it("takes the message and reason from the API server's Status body", () => {
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'ResourceQuota "q" is invalid',
      reason: 'Invalid',
      code: 422,
    };
    expect(describeKubeFailure(refusal(422, JSON.stringify(status)))).toEqual({
      message: 'ResourceQuota "q" is invalid',
      reason: 'Invalid',
      status: 422,
    });
    expect(kubeFailureMessage(refusal(422, JSON.stringify(status)))).toBe('(Invalid) ResourceQuota "q" is invalid');
  });

  it('falls back to the HTTP status when the body is not a Status', () => {
    expect(describeKubeFailure(refusal(502, '<html>bad gateway</html>'))).toEqual({
      message: 'the API server answered HTTP 502',
      status: 502,
    });
  });

  it('keeps the first line of an error that never reached the server', () => {
    expect(describeKubeFailure(new Error('connect ECONNREFUSED 127.0.0.1:6443\nmore'))).toEqual({
      message: 'connect ECONNREFUSED 127.0.0.1:6443',
    });
  });
});
