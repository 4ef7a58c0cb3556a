/**
 * Web tabs: a lab's HTTP services (lab.yaml `web:`) opened in a dock tab. The gateway proxies
 * `/lab-web/<id>/…` to service `<id>` of the requesting learner's own lab instance; `/lab-web/<id>`
 * alone redirects to the service's default path.
 */
export const LAB_WEB_PREFIX = '/lab-web';

/** A service id as lab.yaml allows it (`web:` keys). */
export const WEB_SERVICE_ID = /^[a-z][a-z0-9-]{0,30}$/;

/**
 * The gateway URL of a service's page: `path` (which may carry a query string) under the service, or
 * its default path from lab.yaml when omitted.
 */
export function labWebUrl(service: string, path?: string): string {
  const base = `${LAB_WEB_PREFIX}/${encodeURIComponent(service)}`;
  if (path === undefined || path === '') return base;
  return `${base}${path.startsWith('/') ? path : `/${path}`}`;
}
