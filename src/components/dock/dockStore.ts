/**
 * The dock's state, outside React so it outlives pages: lessons declare terminals into it, the dock
 * (mounted once in src/theme/Root) renders them, run-command buttons queue input into it.
 * A tiny external store read with useSyncExternalStore; no DOM, no xterm.
 */
import { useSyncExternalStore } from 'react';

export interface TerminalSpec {
  /** Stable id: names the terminal's socket, so a reload or a new page finds the same shell. */
  id: string;
  target: string;
  name: string;
  shell?: string;
  workdir?: string;
  user?: string;
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
  /** Resolves when the shell is ready for the next command: at a marked prompt, else quiet for a moment (or a cap passes). */
  settled(): Promise<void>;
  /**
   * Resolves once a terminal just brought forward has been fitted, so its resize reaches the shell
   * before the command does (a resize mid-line makes the shell redraw the line it is reading).
   */
  shown(): Promise<void>;
}

export interface DockState {
  terminals: readonly TerminalSpec[];
  activeId: string | null;
  minimized: boolean;
  fullscreen: boolean;
  /** Height in CSS pixels when neither minimized nor full screen. */
  height: number;
  status: Readonly<Record<string, ConnectionState>>;
  /** Bumped on each activation; the active pane takes keyboard focus when it changes. */
  focusSeq: number;
  /** Bumped by restart(): a new view and socket for a terminal whose shell ended or was refused. */
  generation: Readonly<Record<string, number>>;
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
    activeId: null,
    minimized: false,
    fullscreen: false,
    height: DEFAULT_DOCK_HEIGHT,
    status: {},
    focusSeq: 0,
    generation: {},
  };
  private readonly listeners = new Set<Listener>();
  private readonly ports = new Map<string, InputPort>();
  /** Commands queued for a terminal whose session is not connected yet. */
  private readonly pending = new Map<string, string[]>();
  /** Per terminal, the chain of runs so two buttons clicked quickly do not interleave. */
  private readonly runChains = new Map<string, Promise<void>>();

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
    if (!this.has(id)) return;
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

  /** The pane of terminal `id` is ready for input; flushes what was queued before it was. */
  attachPort(id: string, port: InputPort): () => void {
    this.ports.set(id, port);
    const queued = this.pending.get(id);
    if (queued) {
      this.pending.delete(id);
      void this.enqueue(id, queued);
    }
    return () => {
      if (this.ports.get(id) === port) this.ports.delete(id);
    };
  }

  /**
   * Runs commands in terminal `id`, in order, each followed by Enter, and brings its tab forward.
   * Each command waits for the shell's next prompt (or, without prompt marks, for output to settle),
   * so typed-ahead input is not echoed twice by the tty and the shell. Returns false when no terminal has that id.
   */
  run(id: string, commands: readonly string[]): boolean {
    if (!this.has(id)) return false;
    this.activate(id);
    if (!this.ports.has(id)) {
      this.pending.set(id, [...(this.pending.get(id) ?? []), ...commands]);
      return true;
    }
    void this.enqueue(id, commands);
    return true;
  }

  /** Resolves when every command queued so far for terminal `id` has been typed. */
  whenTyped(id: string): Promise<void> {
    return this.runChains.get(id) ?? Promise.resolve();
  }

  private enqueue(id: string, commands: readonly string[]): Promise<void> {
    const previous = this.runChains.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (const [i, command] of commands.entries()) {
        const port = this.ports.get(id);
        if (!port) return;
        // Even the first waits for a prompt: a shell still starting has none yet, and
        // input typed ahead of it is echoed twice (by the tty now, by the shell later).
        if (i === 0) await port.shown();
        await port.settled();
        port.send(command + ENTER);
      }
    });
    this.runChains.set(id, next);
    return next;
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
