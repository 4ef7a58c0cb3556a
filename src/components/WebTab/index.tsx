/**
 * `<WebTab service="prometheus" title="Prometheus" path="/classic/targets">label</WebTab>`: a button in
 * the text that opens one of the lab's HTTP services (lab.yaml `web:`) in a dock tab beside the
 * terminals, proxied by the gateway to the learner's own lab instance. `path` (a query string may
 * follow) is where the tab opens under the service; without it, the service's own `path` from lab.yaml.
 */
import type { ReactNode } from 'react';
import { labWebUrl } from '../../protocol/webTabs.ts';
import { dockStore } from '../dock/dockStore.ts';
import styles from './styles.module.css';

export interface WebTabProps {
  /** An id under the lab's `web:`. */
  service: string;
  /** The dock tab's title; default the service id. */
  title?: string;
  path?: string;
  /** The button's label; default "Open TITLE". */
  children?: ReactNode;
}

export default function WebTab({ service, title, path, children }: WebTabProps) {
  const name = title ?? service;
  const url = labWebUrl(service, path);
  return (
    <button type="button" className={styles.open} onClick={() => dockStore.openWeb({ service, title: name, url })} data-web-tab-open={service} title={`Opens ${url} in the dock`}>
      <span aria-hidden>◫</span> {children ?? `Open ${name}`}
    </button>
  );
}
