/**
 * One terminal's xterm.js view and its socket. Loaded lazily (React.lazy) by the dock, so xterm's code
 * is never in the page's first bundle nor rendered on the server.
 */
import { useEffect, useEffectEvent, useRef } from 'react';
import { Terminal as Xterm } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import '@xterm/xterm/css/xterm.css';
import { PROMPT_MARK_OSC } from '../../protocol/promptMarks.ts';
import { TerminalConnection } from './TerminalConnection.ts';
import { PromptWaitDefaults, PromptWaiter } from './promptWaiter.ts';
import { dockStore, type TerminalSpec } from './dockStore.ts';
import { diagnoseRefusal } from './diagnoseRefusal.ts';

/** Enough history to scroll back over a lesson step; xterm keeps it in memory per terminal. */
const SCROLLBACK_LINES = 5_000;

const THEME = {
  background: '#1b1e24',
  foreground: '#e6e6e6',
  cursor: '#f8c555',
  selectionBackground: '#3e4451',
};

export interface XtermPaneProps {
  spec: TerminalSpec;
}

export default function XtermPane({ spec }: XtermPaneProps) {
  const host = useRef<HTMLDivElement>(null);

  // Reads the spec of the render that opens the terminal; the effect below decides when that is.
  const openTerminal = useEffectEvent((element: HTMLDivElement) => {
    const term = new Xterm({
      allowProposedApi: true, // needed by the unicode11 addon
      cursorBlink: true,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      scrollback: SCROLLBACK_LINES,
      theme: THEME,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.loadAddon(new WebLinksAddon());
    term.loadAddon(new Unicode11Addon());
    term.unicode.activeVersion = '11';
    term.open(element);

    // Fit only while visible: a hidden tab measures 0×0 and would shrink the pty to nothing.
    const refit = () => {
      if (element.clientWidth === 0 || element.clientHeight === 0) return;
      const dims = fit.proposeDimensions();
      if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows)) return;
      if (dims.cols !== term.cols || dims.rows !== term.rows) term.resize(dims.cols, dims.rows);
    };
    // Fitted before the connection is made, so the socket asks for the size the learner sees: term.onResize
    // is not listened to yet, and the pty would otherwise keep 80×24 until the dock's size next changes.
    refit();

    // Run buttons type each command once the one before has ended (prompt marks; or once output is quiet).
    // What the page says of the shell is what the waiter does: a shell promised to mark prompts whose rc
    // file set its own PROMPT_COMMAND is taken for one without marks once its first prompt is overdue.
    const prompts = new PromptWaiter(PromptWaitDefaults, (usesMarks) => dockStore.setPromptMarks(spec.id, usesMarks));
    const markHandler = term.parser.registerOscHandler(PROMPT_MARK_OSC, (data) => prompts.oscMark(data));
    const connection = new TerminalConnection({
      terminalId: spec.id,
      request: { target: spec.target, shell: spec.shell, user: spec.user, workdir: spec.workdir },
      sink: {
        write: (data, parsed) => term.write(data, parsed),
        reset: () => term.reset(),
      },
      onState: (state) => {
        dockStore.setStatus(spec.id, state);
        // A block still running in this shell can never finish: it stops and says why.
        if (state.kind === 'exited') prompts.ended(`the shell exited with code ${state.exitCode}`);
        else if (state.kind === 'error') prompts.ended(state.message);
      },
      diagnose: () => diagnoseRefusal(spec.target),
      onOutput: () => prompts.output(),
      onHello: (hello) => prompts.hello(hello),
      size: { cols: term.cols, rows: term.rows },
    });

    // Window resizes, the drag handle, full screen and a tab being shown all change this box's size.
    const observer = new ResizeObserver(() => refit());
    observer.observe(element);

    /** Input as typed or run: Enter leaves the prompt, until the shell marks the next one. */
    const sendInput = (text: string) => {
      prompts.input(text);
      connection.sendInput(text);
    };
    const subscriptions = [
      term.onResize(({ cols, rows }) => connection.resize(cols, rows)),
      term.onData(sendInput),
      term.onBinary((data) => connection.sendBinary(data)),
    ];
    connection.connect();

    const detach = dockStore.attachPort(spec.id, {
      send: sendInput,
      // Two frames: one for React to show the tab, one for layout; then fit (sends the Resize first).
      shown: () =>
        new Promise<void>((resolve) =>
          requestAnimationFrame(() =>
            requestAnimationFrame(() => {
              refit();
              resolve();
            }),
          ),
        ),
      waitForPrompt: () => prompts.waitForPrompt(),
      commandEnd: () => prompts.commandEnd(),
    });

    // Focus follows activation (a tab click, a run button), so typing next goes to the right shell.
    let focusSeen = dockStore.getState().focusSeq;
    const unsubscribe = dockStore.subscribe(() => {
      const { activeId, focusSeq } = dockStore.getState();
      if (focusSeq === focusSeen) return;
      focusSeen = focusSeq;
      if (activeId !== spec.id) return;
      requestAnimationFrame(() => {
        refit();
        term.focus();
      });
    });

    return () => {
      unsubscribe();
      detach();
      prompts.dispose('the terminal was closed');
      observer.disconnect();
      markHandler.dispose();
      for (const subscription of subscriptions) subscription.dispose();
      connection.dispose();
      term.dispose();
    };
  });

  // The id names the shell: a later page declaring the same id with other details (a workdir, a
  // user) gets the running shell, not a torn-down view and a reattach.
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    return openTerminal(element);
  }, [spec.id]);

  return <div ref={host} className="pb-xterm" data-terminal-id={spec.id} />;
}
