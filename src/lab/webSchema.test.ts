/** The lab's `web:` services: their schema errors and cross-field rules, in the definitions' error form. */
import { describe, expect, it } from 'vitest';
import { parseLabText } from './loadLab.ts';
import { formatDefinitionError } from '../definitions/definitionError.ts';

function errorsOf(text: string): string[] {
  const r = parseLabText(text, 'lab.yaml');
  return r.ok ? [] : r.errors.map(formatDefinitionError);
}

const HOSTS = 'hosts:\n  web:\n    aliases: [www]\n    processes: {}\n  prom: {}\n';

describe('web services in lab.yaml', () => {
  it('accepts a host’s port (by name or alias) and the lab’s Prometheus, with a default path', () => {
    const r = parseLabText(`${HOSTS}prometheus: { host: prom }\nweb:\n  app: { host: www, port: 8080, title: App }\n  prometheus: { prometheus: true, path: /classic/targets }\n`, 'lab.yaml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.web).toEqual({ app: { host: 'www', port: 8080, title: 'App', path: '/' }, prometheus: { prometheus: true, path: '/classic/targets' } });
  });

  it('reports every malformed entry at once, each at its key', () => {
    const text = `${HOSTS}web:
  badport: { host: web, port: 70000 }
  both: { prometheus: true, host: web, port: 1 }
  neither: { title: x }
  badpath: { host: web, port: 80, path: stats }
  Bad_Id: { host: web, port: 80 }
  typo: { host: web, port: 80, pth: /x }
`;
    expect(errorsOf(text)).toEqual([
      'lab.yaml:7:31: web.badport.port: expected at most 65535',
      "lab.yaml:8:9: web.both: `prometheus: true` is the lab's Prometheus; leave out `host` and `port`",
      "lab.yaml:9:12: web.neither: expected `host` and `port` (a service on a lab host), or `prometheus: true` (the lab's Prometheus UI)",
      'lab.yaml:10:41: web.badpath.path: expected a path starting with `/` (a query string may follow), e.g. `/stats?filter=cx_active`',
      "lab.yaml:11:11: web.Bad_Id: expected a web service name: lowercase letters, digits and '-', starting with a letter, at most 31 characters",
      'lab.yaml:12:32: web.typo.pth: unknown key `pth`; did you mean `path`?',
    ]);
  });

  it('names an unknown host, and a Prometheus UI in a lab without Prometheus', () => {
    expect(errorsOf(`${HOSTS}web:\n  db: { host: db, port: 80 }\n  prometheus: { prometheus: true }\n`)).toEqual([
      'lab.yaml:7:15: web.db.host: no host `db`; expected one of: web, prom',
      'lab.yaml:8:29: web.prometheus.prometheus: this lab has no `prometheus` section, so no Prometheus UI to open',
    ]);
  });
});
