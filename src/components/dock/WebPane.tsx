/**
 * A web tab's pane: the lab service's page in a frame (`/lab-web/<service>…`, proxied by the gateway to
 * the learner's own lab instance), with a reload button and a link that opens it in a browser tab.
 */
import { dockStore, type WebTabSpec } from './dockStore.ts';
import styles from './TerminalDock.module.css';

export default function WebPane({ tab, generation }: { tab: WebTabSpec; generation: number }) {
  return (
    <div className={styles.webPane} data-web-tab-pane={tab.service}>
      <div className={styles.webBar}>
        <button type="button" className={styles.iconButton} onClick={() => dockStore.reloadWeb(tab.id)} aria-label={`Reload ${tab.title}`} title="Reload">
          ⟳
        </button>
        <code className={styles.webUrl} title={tab.url}>
          {tab.url}
        </code>
        <a className={styles.webOpen} href={tab.url} target="_blank" rel="noopener noreferrer" title="Open in a new browser tab">
          Open in new tab ↗
        </a>
      </div>
      <iframe key={generation} className={styles.webFrame} src={tab.url} title={tab.title} data-web-frame={tab.service} />
    </div>
  );
}
