/**
 * `<TerminalRunCommand target="TERMINAL_ID"><Command>…</Command></TerminalRunCommand>`: shows the
 * commands as a code block (with the theme's copy button) and a Run button that types them into the
 * named terminal, each followed by Enter, and brings that terminal forward.
 */
import { useState, type ReactNode } from 'react';
import CodeBlock from '@theme/CodeBlock';
import { dockStore } from '../dock/dockStore.ts';
import { commandsOf } from './commandText.ts';
import styles from './styles.module.css';

export interface TerminalRunCommandProps {
  target: string;
  children?: ReactNode;
}

export default function TerminalRunCommand({ target, children }: TerminalRunCommandProps) {
  const commands = commandsOf(children);
  const [problem, setProblem] = useState<string | null>(null);
  const [typing, setTyping] = useState(false);
  const run = () => {
    const ok = dockStore.run(target, commands);
    setProblem(ok ? null : `No terminal with id "${target}" is declared on this page.`);
    if (!ok) return;
    // Until the last command is typed, a second click would only interleave a second copy.
    setTyping(true);
    void dockStore.whenTyped(target).then(() => setTyping(false));
  };
  return (
    <div className={styles.wrapper} data-testid="run-command" data-target={target}>
      <div className={styles.runCommand}>
        <div className={styles.code}>
          <CodeBlock language="shell">{commands.join('\n')}</CodeBlock>
        </div>
        <button
          type="button"
          className={styles.run}
          onClick={run}
          disabled={typing}
          aria-label={`Run in terminal ${target}`}
          title={`Run in terminal ${target}`}
        >
          {typing ? 'Typing…' : '▶ Run'}
        </button>
      </div>
      {problem && (
        <p className={styles.problem} role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
