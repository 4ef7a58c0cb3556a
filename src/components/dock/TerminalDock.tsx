/**
 * The dock: a bar fixed to the bottom of every page with a tab per declared terminal, and one per web
 * tab the learner opened (`<WebTab>`: a lab service's page, WebPane.tsx). Mounted once in
 * src/theme/Root (inside BrowserOnly), so its terminals and sockets survive moving between lessons.
 */
import { Fragment, Suspense, lazy, useCallback, useEffect, type PointerEvent as ReactPointerEvent } from 'react';
import clsx from 'clsx';
import LabStatus from '../LabStatus/index.tsx';
import {
  MIN_DOCK_HEIGHT,
  MIN_PAGE_VISIBLE,
  dockStore,
  useDockState,
  type ConnectionState,
} from './dockStore.ts';
import styles from './TerminalDock.module.css';
import WebPane from './WebPane.tsx';

const XtermPane = lazy(() => import('./XtermPane.tsx'));

/** The header's height when minimized; the page keeps this much room free at its bottom. */
const HEADER_HEIGHT = 38;
const HEIGHT_KEY = 'patchbay:dock-height';

export function describeState(state: ConnectionState | undefined): string {
  if (!state) return 'starting';
  switch (state.kind) {
    case 'connecting':
      return 'connecting';
    case 'connected':
      return state.resumed ? `connected to ${state.host} (resumed)` : `connected to ${state.host}`;
    case 'reconnecting':
      return `reconnecting (${state.reason})`;
    case 'exited':
      return `exited with code ${state.exitCode}`;
    case 'error':
      return `error: ${state.message}`;
  }
}

function clampHeight(height: number): number {
  return Math.max(MIN_DOCK_HEIGHT, Math.min(window.innerHeight - MIN_PAGE_VISIBLE, Math.round(height)));
}

export default function TerminalDock() {
  const state = useDockState();
  const { terminals, webTabs, activeId, minimized, fullscreen, height, status } = state;
  const visible = terminals.length > 0 || webTabs.length > 0;

  // Keep the end of the lesson reachable above the dock: a spacer at the end of the page's flow
  // (body padding does not work: Docusaurus gives body a fixed height), and scroll padding so anchors,
  // focus and scrollIntoView stop above the dock instead of behind it.
  const space = !visible ? 0 : minimized ? HEADER_HEIGHT : fullscreen ? 0 : height;
  useEffect(() => {
    document.documentElement.style.scrollPaddingBottom = space ? `${space}px` : '';
    return () => {
      document.documentElement.style.scrollPaddingBottom = '';
    };
  }, [space]);

  const startDrag = useCallback((event: ReactPointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    event.preventDefault();
    const handle = event.currentTarget;
    handle.setPointerCapture(event.pointerId);
    const move = (e: PointerEvent) => dockStore.setHeight(clampHeight(window.innerHeight - e.clientY));
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      handle.removeEventListener('pointercancel', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
    handle.addEventListener('pointercancel', up);
  }, []);

  // The learner's chosen height survives a reload (per tab, like the shells themselves).
  useEffect(() => {
    const saved = Number(sessionStorage.getItem(HEIGHT_KEY));
    if (saved > 0) dockStore.setHeight(clampHeight(saved));
  }, []);
  useEffect(() => {
    sessionStorage.setItem(HEIGHT_KEY, String(height));
  }, [height]);

  // A window that shrinks must not leave the dock taller than the window.
  useEffect(() => {
    const onResize = () => dockStore.setHeight(clampHeight(dockStore.getState().height));
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);

  if (!visible) return null;

  return (
    <>
      <div className={styles.spacer} style={{ height: space }} aria-hidden />
      <div
        className={clsx(styles.dock, minimized && styles.minimized, fullscreen && styles.fullscreen)}
        style={minimized || fullscreen ? undefined : { height }}
        role="region"
        aria-label="Terminals"
        data-testid="terminal-dock"
        data-minimized={minimized}
      >
        {!minimized && !fullscreen && (
          <div className={styles.handle} onPointerDown={startDrag} role="separator" aria-orientation="horizontal" aria-label="Drag to resize the terminals" />
        )}
        <div className={styles.header}>
          <div className={styles.tabs} role="tablist">
            {terminals.map((t) => {
              const s = status[t.id];
              const ended = s?.kind === 'exited' || s?.kind === 'error';
              return (
                <Fragment key={t.id}>
                  <button
                    type="button"
                    role="tab"
                    aria-selected={t.id === activeId}
                    className={clsx(styles.tab, t.id === activeId && styles.activeTab)}
                    onClick={() => dockStore.activate(t.id)}
                    title={describeState(s)}
                    data-terminal-tab={t.id}
                    data-state={s?.kind ?? 'connecting'}
                  >
                    <span className={clsx(styles.dot, styles[`dot_${s?.kind ?? 'connecting'}`])} aria-hidden />
                    {t.name}
                    {s && s.kind !== 'connected' && <span className={styles.stateText}>{describeState(s)}</span>}
                  </button>
                  {ended && (
                    <button
                      type="button"
                      className={styles.restart}
                      onClick={() => dockStore.restart(t.id)}
                      aria-label={`Restart terminal ${t.name}`}
                      title="Start a new shell"
                    >
                      ↻
                    </button>
                  )}
                </Fragment>
              );
            })}
            {webTabs.map((w) => (
              <Fragment key={w.id}>
                <button
                  type="button"
                  role="tab"
                  aria-selected={w.id === activeId}
                  className={clsx(styles.tab, w.id === activeId && styles.activeTab)}
                  onClick={() => dockStore.activate(w.id)}
                  title={w.url}
                  data-web-tab={w.service}
                >
                  <span aria-hidden>◫</span>
                  {w.title}
                </button>
                <button type="button" className={styles.restart} onClick={() => dockStore.closeWeb(w.id)} aria-label={`Close ${w.title}`} title="Close this tab">
                  ×
                </button>
              </Fragment>
            ))}
          </div>
          <div className={styles.actions}>
            <LabStatus compact />
            <button
              type="button"
              className={styles.iconButton}
              onClick={() => dockStore.setFullscreen(!fullscreen)}
              aria-label={fullscreen ? 'Exit full screen' : 'Full screen'}
              title={fullscreen ? 'Exit full screen' : 'Full screen'}
            >
              {fullscreen ? '⤡' : '⤢'}
            </button>
            <button
              type="button"
              className={styles.iconButton}
              onClick={() => dockStore.setMinimized(!minimized)}
              aria-label={minimized ? 'Restore terminals' : 'Minimize terminals'}
              title={minimized ? 'Restore' : 'Minimize'}
            >
              {minimized ? '▴' : '▾'}
            </button>
          </div>
        </div>
        <div className={styles.body} hidden={minimized}>
          <Suspense fallback={<div className={styles.loading}>Loading terminal…</div>}>
            {terminals.map((t) => (
              <div key={t.id} className={styles.pane} style={{ display: t.id === activeId ? 'block' : 'none' }} role="tabpanel">
                <XtermPane key={state.generation[t.id] ?? 0} spec={t} />
              </div>
            ))}
          </Suspense>
          {webTabs.map((w) => (
            <div key={w.id} className={styles.pane} style={{ display: w.id === activeId ? 'block' : 'none' }} role="tabpanel">
              <WebPane tab={w} generation={state.generation[w.id] ?? 0} />
            </div>
          ))}
        </div>
      </div>
    </>
  );
}
