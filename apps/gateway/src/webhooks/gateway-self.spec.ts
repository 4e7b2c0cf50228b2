import { pointsAtGateway } from './gateway-self';

describe('pointsAtGateway', () => {
  const listening = { address: '10.0.0.5', port: 8080 };

  it.each([
    ['http://127.0.0.1:8080/api/v1/tenants', '', true],
    ['http://localhost:8080/x', '', true],
    ['http://[::1]:8080/x', '', true],
    ['http://0.0.0.0:8080/x', '', true],
    ['http://10.0.0.5:8080/x', '', true],
    ['https://cube.example.com/hook', 'https://cube.example.com', true],
    ['https://cube.example.com:443/hook', 'https://cube.example.com', true],
    ['http://cube.example.com/hook', 'https://cube.example.com', false],
    ['http://127.0.0.1:9090/x', '', false],
    ['https://hooks.example.com:8080/x', '', false],
  ])('%s (public URL %s): %s', (url, publicUrl, expected) => {
    expect(pointsAtGateway(url, publicUrl, listening, '127.0.0.1')).toBe(expected);
  });
});
