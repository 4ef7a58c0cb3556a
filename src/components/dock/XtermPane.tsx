/**
 * One terminal's xterm.js view and its socket. Loaded lazily (React.lazy) by the dock, so xterm's code
 * is never in the page's first bundle nor rendered on the server.
 */
import { useEffect, useRef } from 'react';
import { Terminal as Xterm } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import '@xterm/xterm/css/xterm.css';
import { PromptMark } from '../../protocol/terminal.ts';
import { TerminalConnection } from './TerminalConnection.ts';
import { dockStore, type TerminalSpec } from './dockStore.ts';
import { diagnoseRefusal } from './diagnoseRefusal.ts';

/** Output quiet for this long means the previous command has probably finished printing (shells without prompt marks). */
export const SETTLE_QUIET_MS = 150;
/** A command that keeps printing (a load test) must not hold the next one back forever. */
export const SETTLE_MAX_MS = 3_000;
/** After a prompt mark, the prompt itself follows: wait until it has been printed. */
const PROMPT_QUIET_MS = 20;
/** A fresh shell that marks prompts is waited for this long (a login shell on a busy machine). */
const FIRST_PROMPT_MAX_MS = 15_000;
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

  useEffect(() => {
    const element = host.current;
    if (!element) return;
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

    let lastOutput = 0;
    /** From Hello: this shell marks its prompts; and whether it is a fresh one (no Replay). */
    let promptMarks = false;
    let freshShell = false;
    /** A prompt mark has arrived since the last Enter: the shell is reading a new command line. */
    let atPrompt = false;
    let marksSeen = false;
    const markHandler = term.parser.registerOscHandler(PromptMark.OSC, (data) => {
      if (data !== PromptMark.PROMPT_START) return false;
      atPrompt = true;
      marksSeen = true;
      return true;
    });
    const connection = new TerminalConnection({
      terminalId: spec.id,
      request: { target: spec.target, shell: spec.shell, user: spec.user, workdir: spec.workdir },
      sink: {
        write: (data, parsed) => term.write(data, parsed),
        reset: () => term.reset(),
      },
      onState: (state) => dockStore.setStatus(spec.id, state),
      diagnose: () => diagnoseRefusal(spec.target),
      onOutput: () => {
        lastOutput = performance.now();
      },
      onHello: (hello) => {
        promptMarks = hello.promptMarks;
        freshShell = !hello.resumed;
        if (hello.resumed) atPrompt = false;
      },
      size: { cols: term.cols, rows: term.rows },
    });

    // Fit only while visible: a hidden tab measures 0×0 and would shrink the pty to nothing.
    const refit = () => {
      if (element.clientWidth === 0 || element.clientHeight === 0) return;
      const dims = fit.proposeDimensions();
      if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows)) return;
      if (dims.cols !== term.cols || dims.rows !== term.rows) term.resize(dims.cols, dims.rows);
    };
    refit();
    // Window resizes, the drag handle, full screen and a tab being shown all change this box's size.
    const observer = new ResizeObserver(() => refit());
    observer.observe(element);

    /** Input as typed or run: Enter leaves the prompt, until the shell marks the next one. */
    const sendInput = (text: string) => {
      if (text.includes('\r')) atPrompt = false;
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
      // Ready for the next command: at a marked prompt when the shell marks them (a fresh one is
      // waited for longer, it may still be starting), else once output has been quiet for a moment.
      settled: () =>
        new Promise<void>((resolve) => {
          const started = performance.now();
          const check = () => {
            const now = performance.now();
            const useMarks = promptMarks && (marksSeen || freshShell);
            const limit = useMarks && !marksSeen ? FIRST_PROMPT_MAX_MS : SETTLE_MAX_MS;
            const quietFor = lastOutput > 0 ? now - lastOutput : 0;
            const ready = useMarks ? atPrompt && quietFor >= PROMPT_QUIET_MS : quietFor >= SETTLE_QUIET_MS;
            if (ready || now - started >= limit) resolve();
            else setTimeout(check, useMarks ? PROMPT_QUIET_MS : Math.max(1, SETTLE_QUIET_MS - quietFor));
          };
          check();
        }),
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
      observer.disconnect();
      markHandler.dispose();
      for (const subscription of subscriptions) subscription.dispose();
      connection.dispose();
      term.dispose();
    };
    // The id names the shell: a later page declaring the same id with other details (a workdir, a
    // user) gets the running shell, not a torn-down view and a reattach.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [spec.id]);

  return <div ref={host} className="pb-xterm" data-terminal-id={spec.id} />;
}
