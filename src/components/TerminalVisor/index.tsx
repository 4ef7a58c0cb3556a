/**
 * `<TerminalVisor minimized>`: the lesson's terminal set. Its Terminal children register with the dock;
 * `minimized` says whether the dock starts folded on this page. In the text it leaves a short line
 * naming the terminals, each a button that opens it.
 */
import type { ReactNode } from 'react';
import { Children, isValidElement, useEffect } from 'react';
import { dockStore } from '../dock/dockStore.ts';
import type { TerminalProps } from '../Terminal/index.tsx';
import styles from './styles.module.css';

export interface TerminalVisorProps {
  /** MDX passes `minimized` as true, or `minimized="true"` / `"false"` as strings. */
  minimized?: boolean | string;
  children?: ReactNode;
}

export function isMinimized(value: boolean | string | undefined): boolean {
  if (typeof value === 'string') return value !== 'false';
  return value === true;
}

function declaredTerminals(children: ReactNode): { id: string; name: string }[] {
  const found: { id: string; name: string }[] = [];
  Children.forEach(children, (child) => {
    if (!isValidElement<TerminalProps>(child) || typeof child.props.target !== 'string') return;
    const id = child.props.id ?? child.props.target;
    found.push({ id, name: child.props.name ?? id });
  });
  return found;
}

export default function TerminalVisor({ minimized, children }: TerminalVisorProps) {
  const folded = isMinimized(minimized);
  useEffect(() => {
    dockStore.setMinimized(folded);
  }, [folded]);
  const terminals = declaredTerminals(children);
  return (
    <div className={styles.visor} data-testid="terminal-visor">
      {children}
      <span className={styles.label}>Terminals for this lesson:</span>
      {terminals.map((t) => (
        <button key={t.id} type="button" className={styles.open} onClick={() => dockStore.activate(t.id)}>
          {t.name}
        </button>
      ))}
    </div>
  );
}
