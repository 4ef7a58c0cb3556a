/**
 * `<TerminalRunCommand target="TERMINAL_ID"><Command>…</Command></TerminalRunCommand>`: shows the
 * commands as a code block (with the theme's copy button) and a Run button that types them into the
 * named terminal, each followed by Enter, and brings that terminal forward.
 */
import { useState, type ReactNode } from 'react';
import CodeBlock from '@theme/CodeBlock';
import { dockStore } from '../terminal/dockStore.ts';
import { commandsOf } from './commandText.ts';
import styles from './styles.module.css';

export interface TerminalRunCommandProps {
  target: string;
  children?: ReactNode;
}

export default function TerminalRunCommand({ target, children }: TerminalRunCommandProps) {
  const commands = commandsOf(children);
  const [problem, setProblem] = useState<string | null>(null);
  const run = () => {
    const ok = dockStore.run(target, commands);
    setProblem(ok ? null : `No terminal with id "${target}" is declared on this page.`);
  };
  return (
    <div className={styles.wrapper} data-testid="run-command" data-target={target}>
      <div className={styles.runCommand}>
        <div className={styles.code}>
          <CodeBlock language="shell">{commands.join('\n')}</CodeBlock>
        </div>
        <button type="button" className={styles.run} onClick={run} aria-label={`Run in terminal ${target}`} title={`Run in terminal ${target}`}>
          ▶ Run
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
