/**
 * The dock's state, outside React so it outlives pages: lessons declare terminals into it, the dock
 * (mounted once in src/theme/Root) renders them, run-command buttons queue input into it.
 * A tiny external store read with useSyncExternalStore; no DOM, no xterm.
 */
import { useSyncExternalStore } from 'react';
import { exitProblem, type CommandExpectation } from '../../protocol/commandExpectation.ts';
import type { CommandEnd, PromptReady } from './promptWaiter.ts';

export interface TerminalSpec {
  /** Stable id: names the terminal's socket, so a reload or a new page finds the same shell. */
  id: string;
  target: string;
  name: string;
  shell?: string;
  workdir?: string;
  user?: string;
}

/** A web tab: one of the lab's HTTP services (lab.yaml `web:`) in a frame, beside the terminals. */
export interface WebTabSpec {
  /** The tab's id in the dock (`web:<service>`), never a terminal's. */
  id: string;
  service: string;
  title: string;
  /** What the frame opens: `/lab-web/<service>…` on the gateway (protocol/webTabs.ts). */
  url: string;
}

/** The dock id of a service's web tab. */
export function webTabId(service: string): string {
  return `web:${service}`;
}

export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'connected'; host: string; resumed: boolean }
  | { kind: 'reconnecting'; attempt: number; reason: string }
  | { kind: 'exited'; exitCode: number }
  | { kind: 'error'; message: string };

/** How a terminal's session takes input; registered by its pane once the socket is set up. */
export interface InputPort {
  /** Sends text as if typed. */
  send(text: string): void;
  /** Resolves when the shell reads a new command line (src/components/dock/promptWaiter.ts), or will never. */
  waitForPrompt(): Promise<PromptReady>;
  /** After a command line was sent: resolves with how that command ended, once the shell is at its next prompt. */
  commandEnd(): Promise<CommandEnd>;
  /**
   * Resolves once a terminal just brought forward has been fitted, so its resize reaches the shell
   * before the command does (a resize mid-line makes the shell redraw the line it is reading).
   */
  shown(): Promise<void>;
}

/** One `<Command>` of a run-command block. */
export interface RunCommand extends CommandExpectation {
  text: string;
  /** `keepsRunning`: runs until the learner stops it, so it is typed and not waited for; it ends the block. */
  keepsRunning: boolean;
}

/** How a run-command block ended. */
export type RunOutcome =
  /** Every command ended as its `<Command>` expects. */
  | { kind: 'done' }
  /** The block's last command was typed and keeps running (`keepsRunning`). */
  | { kind: 'left-running'; command: string }
  /** A command ended otherwise than expected; the commands after it were not typed. */
  | { kind: 'failed'; command: string; problem: string; notTyped: number }
  /** The shell went away (exited, refused, its terminal restarted) before the block was done. */
  | { kind: 'stopped'; command: string | null; reason: string };

/** A run-command block as its button shows it: running, or how its last run ended. */
export type BlockState = { kind: 'running' } | { kind: 'ended'; outcome: RunOutcome };

export interface DockState {
  terminals: readonly TerminalSpec[];
  /** Web tabs opened by the learner (`<WebTab>`), after the terminals; `activeId` may name one. */
  webTabs: readonly WebTabSpec[];
  activeId: string | null;
  minimized: boolean;
  fullscreen: boolean;
  /** Height in CSS pixels when neither minimized nor full screen. */
  height: number;
  status: Readonly<Record<string, ConnectionState>>;
  /** Bumped on each activation; the active pane takes keyboard focus when it changes. */
  focusSeq: number;
  /** Bumped by restart(), and by reloadWeb() for a web tab: a new view (a new socket, or the page loaded again). */
  generation: Readonly<Record<string, number>>;
  /**
   * Per terminal: whether its shell's prompts are followed by their marks (run buttons then wait for
   * them), as its PromptWaiter finds: the gateway's promise, until a first prompt is overdue without one.
   */
  promptMarks: Readonly<Record<string, boolean>>;
  /**
   * Per run-command block (blockKey): kept here, not in the button, so a page left and come back to
   * shows "Running…" for a block still running, and how it ended.
   */
  blocks: Readonly<Record<string, BlockState>>;
}

/** Names a run-command block: its terminal and its commands (the same block on two pages is one run). */
export function blockKey(terminalId: string, commands: readonly RunCommand[]): string {
  return JSON.stringify([terminalId, commands.map((c) => c.text)]);
}

/** Room for a prompt and about twenty lines at the default font; the learner can drag it. */
export const DEFAULT_DOCK_HEIGHT = 340;
/** Below this the header and one line of terminal would not fit. */
export const MIN_DOCK_HEIGHT = 140;
/** Keep this much of the page visible above the dock so the lesson stays readable. */
export const MIN_PAGE_VISIBLE = 120;

export const ENTER = '\r';

type Listener = () => void;

export class DockStore {
  private state: DockState = {
    terminals: [],
    webTabs: [],
    activeId: null,
    minimized: false,
    fullscreen: false,
    height: DEFAULT_DOCK_HEIGHT,
    status: {},
    focusSeq: 0,
    generation: {},
    promptMarks: {},
    blocks: {},
  };
  private readonly listeners = new Set<Listener>();
  private readonly ports = new Map<string, InputPort>();
  /** Runs waiting for a terminal whose pane has not attached its port yet. */
  private readonly portWaiters = new Map<string, ((port: InputPort) => void)[]>();
  /** Per terminal, the chain of runs so two buttons clicked quickly do not interleave. */
  private readonly runChains = new Map<string, Promise<unknown>>();

  getState = (): DockState => this.state;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<DockState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  /** A lesson declares a terminal. Declaring an id again (another page, a reload) keeps its shell. */
  declare(spec: TerminalSpec): void {
    const existing = this.state.terminals.find((t) => t.id === spec.id);
    if (existing && sameSpec(existing, spec)) return;
    const terminals = existing
      ? this.state.terminals.map((t) => (t.id === spec.id ? spec : t))
      : [...this.state.terminals, spec];
    this.set({ terminals, activeId: this.state.activeId ?? spec.id });
  }

  has(id: string): boolean {
    return this.state.terminals.some((t) => t.id === id);
  }

  /** Opens (or brings forward, at `url`) the web tab of a lab service, unfolding the dock. */
  openWeb(spec: Omit<WebTabSpec, 'id'>): void {
    const id = webTabId(spec.service);
    const tab: WebTabSpec = { id, ...spec };
    const existing = this.state.webTabs.find((t) => t.id === id);
    const webTabs = !existing ? [...this.state.webTabs, tab] : existing.url === tab.url && existing.title === tab.title ? this.state.webTabs : this.state.webTabs.map((t) => (t.id === id ? tab : t));
    // Asked for again at the same place: load it again (the learner wants what it shows now).
    const generation = existing && existing.url === tab.url ? { ...this.state.generation, [id]: (this.state.generation[id] ?? 0) + 1 } : this.state.generation;
    this.set({ webTabs, generation, activeId: id, minimized: false, focusSeq: this.state.focusSeq + 1 });
  }

  /** Loads a web tab's page again. */
  reloadWeb(id: string): void {
    if (this.state.webTabs.some((t) => t.id === id)) this.set({ generation: { ...this.state.generation, [id]: (this.state.generation[id] ?? 0) + 1 } });
  }

  /** Closes a web tab; the first terminal (or the next web tab) comes forward if it was in front. */
  closeWeb(id: string): void {
    const webTabs = this.state.webTabs.filter((t) => t.id !== id);
    if (webTabs.length === this.state.webTabs.length) return;
    const activeId = this.state.activeId !== id ? this.state.activeId : (this.state.terminals[0]?.id ?? webTabs[0]?.id ?? null);
    this.set({ webTabs, activeId });
  }

  setMinimized(minimized: boolean): void {
    if (minimized !== this.state.minimized) this.set({ minimized, fullscreen: minimized ? false : this.state.fullscreen });
  }

  setFullscreen(fullscreen: boolean): void {
    if (fullscreen !== this.state.fullscreen) this.set({ fullscreen, minimized: fullscreen ? false : this.state.minimized });
  }

  setHeight(height: number): void {
    if (height !== this.state.height) this.set({ height });
  }

  activate(id: string): void {
    if (!this.has(id) && !this.state.webTabs.some((t) => t.id === id)) return;
    this.set({ activeId: id, minimized: false, focusSeq: this.state.focusSeq + 1 });
  }

  /** Starts over after the shell exited or was refused: the gateway gives the id a fresh shell. */
  restart(id: string): void {
    if (!this.has(id)) return;
    const { [id]: _old, ...status } = this.state.status;
    this.set({
      generation: { ...this.state.generation, [id]: (this.state.generation[id] ?? 0) + 1 },
      status,
      activeId: id,
      minimized: false,
      focusSeq: this.state.focusSeq + 1,
    });
  }

  setStatus(id: string, status: ConnectionState): void {
    this.set({ status: { ...this.state.status, [id]: status } });
  }

  setPromptMarks(id: string, marks: boolean): void {
    if (this.state.promptMarks[id] !== marks) this.set({ promptMarks: { ...this.state.promptMarks, [id]: marks } });
  }

  /** The pane of terminal `id` is ready for input; runs waiting for it go ahead. */
  attachPort(id: string, port: InputPort): () => void {
    this.ports.set(id, port);
    const waiters = this.portWaiters.get(id) ?? [];
    this.portWaiters.delete(id);
    for (const resolve of waiters) resolve(port);
    return () => {
      if (this.ports.get(id) === port) this.ports.delete(id);
    };
  }

  private portOf(id: string): Promise<InputPort> {
    const port = this.ports.get(id);
    if (port) return Promise.resolve(port);
    return new Promise((resolve) => this.portWaiters.set(id, [...(this.portWaiters.get(id) ?? []), resolve]));
  }

  /**
   * Runs a block in terminal `id` and brings its tab forward. Each command is typed, with Enter, once the
   * shell reads a new command line, that is once the command before has ended (its prompt mark; a shell
   * without marks: once output is quiet), so nothing is typed into a running program nor echoed twice.
   * A command that fails (by its `<Command>`'s expectations) stops the block; one that keeps running
   * ends it. Resolves with how the block ended; null when no terminal has that id.
   */
  run(id: string, commands: readonly RunCommand[]): Promise<RunOutcome> | null {
    if (!this.has(id)) return null;
    this.activate(id);
    const block = blockKey(id, commands);
    this.setBlock(block, { kind: 'running' });
    const previous = this.runChains.get(id) ?? Promise.resolve();
    // A block that threw stops itself, never the blocks queued behind it in the same terminal.
    const outcome = previous
      .catch(() => {})
      .then(() => this.runBlock(id, commands))
      .catch((e: unknown): RunOutcome => ({ kind: 'stopped', command: null, reason: e instanceof Error ? e.message : String(e) }))
      .then((o) => {
        this.setBlock(block, { kind: 'ended', outcome: o });
        return o;
      });
    this.runChains.set(id, outcome);
    return outcome;
  }

  private setBlock(block: string, state: BlockState): void {
    this.set({ blocks: { ...this.state.blocks, [block]: state } });
  }

  private async runBlock(id: string, commands: readonly RunCommand[]): Promise<RunOutcome> {
    // One port for the whole block: a terminal restarted meanwhile is a new shell, which ends this block.
    const port = await this.portOf(id);
    await port.shown();
    for (const [i, command] of commands.entries()) {
      // Even the first waits for a prompt: a shell still starting has none yet, and input typed
      // ahead of it is echoed twice (by the tty now, by the shell later).
      const ready = await port.waitForPrompt();
      if (ready.kind === 'ended') return { kind: 'stopped', command: null, reason: ready.reason };
      port.send(command.text + ENTER);
      if (command.keepsRunning) return { kind: 'left-running', command: command.text };
      const end = await port.commandEnd();
      if (end.kind === 'ended') return { kind: 'stopped', command: command.text, reason: end.reason };
      const problem = end.kind === 'exited' ? exitProblem(end, command) : null;
      if (problem) return { kind: 'failed', command: command.text, problem, notTyped: commands.length - i - 1 };
    }
    return { kind: 'done' };
  }
}

function sameSpec(a: TerminalSpec, b: TerminalSpec): boolean {
  return a.target === b.target && a.name === b.name && a.shell === b.shell && a.workdir === b.workdir && a.user === b.user;
}

/** One dock per page load, shared by every lesson. */
export const dockStore = new DockStore();

export function useDockState(): DockState {
  return useSyncExternalStore(dockStore.subscribe, dockStore.getState, dockStore.getState);
}
