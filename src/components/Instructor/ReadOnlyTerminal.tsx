/**
 * A learner's terminal as the instructor sees it: the dock's xterm and TerminalConnection (replay,
 * live output, acks, reconnect), on the read-only view's socket. xterm takes no keystrokes here
 * (disableStdin), and the gateway drops whatever a watcher sends anyway. Loaded lazily, with xterm.
 */
import { useEffect, useRef, useState } from 'react';
import { Terminal as Xterm } from '@xterm/xterm';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import '@xterm/xterm/css/xterm.css';
import { observePath } from '../../protocol/instructor.ts';
import { TerminalConnection } from '../dock/TerminalConnection.ts';
import type { ConnectionState } from '../dock/dockStore.ts';

export interface ReadOnlyTerminalProps {
  learnerKey: string;
  terminalId: string;
}

const THEME = { background: '#1b1e24', foreground: '#e6e6e6', cursor: '#1b1e24' };

export default function ReadOnlyTerminal({ learnerKey, terminalId }: ReadOnlyTerminalProps) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<ConnectionState>({ kind: 'connecting' });

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const term = new Xterm({
      allowProposedApi: true,
      disableStdin: true,
      cursorBlink: false,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      scrollback: 5_000,
      theme: THEME,
    });
    term.loadAddon(new Unicode11Addon());
    term.unicode.activeVersion = '11';
    term.open(element);
    const connection = new TerminalConnection({
      terminalId,
      request: { target: '' },
      socketPath: observePath(learnerKey, terminalId),
      sink: { write: (data, parsed) => term.write(data, parsed), reset: () => term.reset() },
      onState: setState,
      // The learner's size, so the replayed screen lays out as they see it.
      onHello: (hello) => term.resize(hello.cols, hello.rows),
      // …and theirs again whenever they resize, so what follows wraps where it wraps for them.
      onResize: (size) => term.resize(size.cols, size.rows),
      size: { cols: term.cols, rows: term.rows },
    });
    connection.connect();
    return () => {
      connection.dispose();
      term.dispose();
    };
  }, [learnerKey, terminalId]);

  return (
    <div>
      <p className="margin-bottom--sm" data-testid="watch-state" data-state={state.kind}>
        Read-only view of <code>{terminalId}</code>: {describe(state)}
      </p>
      <div ref={host} className="pb-xterm" data-terminal-id={`watch-${terminalId}`} data-readonly="true" />
    </div>
  );
}

function describe(state: ConnectionState): string {
  switch (state.kind) {
    case 'connected':
      return `live, on ${state.host}`;
    case 'connecting':
      return 'connecting…';
    case 'reconnecting':
      return `reconnecting (${state.reason})…`;
    case 'exited':
      return `the shell exited (code ${state.exitCode})`;
    case 'error':
      return state.message;
  }
}
