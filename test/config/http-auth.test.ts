import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/index.js';
import { writeConfig, yamlIssues } from './helpers.js';

describe('http section: authentication, CORS and hosts', () => {
  it('reads clients with channel patterns, origins and hosts', async () => {
    const yaml = [
      'http:',
      '  listen_addr: "0.0.0.0:4437"',
      '  auth:',
      '    tokens_file: /etc/tokens',
      '    clients:',
      '      - name: dash',
      '        read: ["metrics.>", "*.temp"]',
      '  cors_origins: ["https://app.example.net", "http://localhost:5173"]',
      '  allowed_hosts: [messenger.example.net]',
    ].join('\n');
    const { config } = await loadConfigFile(await writeConfig(yaml), {});
    expect(config.http.auth.clients).toEqual([
      { name: 'dash', read: ['metrics.>', '*.temp'], write: [], admin: [] },
    ]);
    expect(config.http.corsOrigins).toEqual(['https://app.example.net', 'http://localhost:5173']);
    expect(config.http.allowedHosts).toEqual(['messenger.example.net']);
  });

  it('refuses a non-loopback listen address without auth, naming the key and the opt-out', async () => {
    const issues = await yamlIssues('http:\n  listen_addr: "0.0.0.0:4437"\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^http\.listen_addr \(line 2:16\) "0\.0\.0\.0:4437" is not a loopback address/);
    expect(issues[0]).toContain('http.insecure_allow_anonymous: true');
  });

  it('accepts loopback listen addresses without auth, and any address with the opt-out', async () => {
    for (const addr of ['127.0.0.1:0', '[::1]:4437', 'localhost:4437']) {
      const { config } = await loadConfigFile(await writeConfig(`http:\n  listen_addr: "${addr}"\n`), {});
      expect(config.http.listenAddr).toBe(addr);
    }
    const yaml = 'http:\n  listen_addr: ":4437"\n  insecure_allow_anonymous: true\n';
    const { config } = await loadConfigFile(await writeConfig(yaml), {});
    expect(config.http.insecureAllowAnonymous).toBe(true);
  });

  it('reports bad patterns, origins, hosts and inconsistent auth with line:column', async () => {
    const yaml = [
      'http:', //                                          1
      '  auth:', //                                        2
      '    clients:', //                                   3
      '      - name: a', //                                4
      '        write: ["orders.>.eu", "ok"]', //           5
      '      - name: a', //                                6
      '      - read: [x]', //                              7
      '  insecure_allow_anonymous: true', //               8
      '  cors_origins: ["https://app.example/path"]', //   9
      '  allowed_hosts: ["host:80"]', //                   10
    ].join('\n');
    expect(await yamlIssues(yaml)).toEqual([
      'http.auth.clients (line 3:5) can never authenticate: set http.auth.tokens_file (bearer tokens), or tls.cert so that clients can present certificates',
      'http.auth.clients[0].write[0] (line 5:17) "orders.>.eu" is not a channel pattern: ">" must be the last token',
      'http.auth.clients[1].name (line 6:15) "a" repeats http.auth.clients[0].name',
      'http.auth.clients[2].name (line 7:9) is required',
      'http.insecure_allow_anonymous (line 8:29) cannot be true while http.auth is configured',
      'http.cors_origins[0] (line 9:18) "https://app.example/path" is not an origin: must be scheme://host[:port] with scheme http or https and no path, or "*"',
      'http.allowed_hosts[0] (line 10:19) "host:80" is not a host name: must be a host name or an IP address, without a port',
    ]);
  });

  it('refuses a tokens file that gives rights to no client', async () => {
    expect(await yamlIssues('http:\n  auth:\n    tokens_file: /etc/tokens\n')).toEqual([
      'http.auth.tokens_file (line 3:18) is set but http.auth.clients lists no client to give rights to',
    ]);
  });
});
