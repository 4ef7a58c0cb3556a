import { describe, expect, it } from 'vitest';
import { SUCCESS } from '../../protocol/commandExpectation.ts';
import { DockStore, ENTER, blockKey, type InputPort, type RunCommand } from './dockStore.ts';
import type { CommandEnd } from './promptWaiter.ts';

/** A port whose shell is always at a prompt and whose commands end as `endOf` says (exit 0 by default). */
function recordingPort(sent: string[], prompt: () => Promise<void> = () => Promise.resolve(), endOf: (line: string) => CommandEnd = () => ({ kind: 'exited', exitCode: 0 })): InputPort {
  return {
    send: (text) => sent.push(text),
    waitForPrompt: () => prompt().then(() => ({ kind: 'ready' })),
    commandEnd: () => Promise.resolve(endOf(sent.at(-1)!)),
    shown: () => Promise.resolve(),
  };
}

/** Commands as a plain `<Command>` declares them. */
const plain = (...texts: string[]): RunCommand[] => texts.map((text) => ({ text, expect: SUCCESS, keepsRunning: false }));

describe('DockStore', () => {
  it('keeps one terminal per id when a page declares it again', () => {
    const store = new DockStore();
    store.declare({ id: 'tools', target: 'tools', name: 'Tools' });
    store.declare({ id: 'tools', target: 'tools', name: 'Tools' });
    store.declare({ id: 'scratch', target: 'tools', name: 'Scratch' });
    expect(store.getState().terminals.map((t) => t.id)).toEqual(['tools', 'scratch']);
    expect(store.getState().activeId).toBe('tools');
  });

  it('refuses to run in a terminal nobody declared', () => {
    const store = new DockStore();
    expect(store.run('nope', plain('ls'))).toBeNull();
  });

  it('runs commands in order, each followed by Enter, and brings the tab forward', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    store.declare({ id: 'b', target: 'tools', name: 'B' });
    store.setMinimized(true);
    const sent: string[] = [];
    store.attachPort('b', recordingPort(sent));
    expect(store.run('b', plain('echo one', 'echo two', 'echo three'))).not.toBeNull();
    expect(store.getState()).toMatchObject({ activeId: 'b', minimized: false });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual([`echo one${ENTER}`, `echo two${ENTER}`, `echo three${ENTER}`]);
  });

  it('queues commands until the terminal is attached, then sends them once', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    store.run('a', plain('hostname'));
    const sent: string[] = [];
    store.attachPort('a', recordingPort(sent));
    await new Promise((resolve) => setTimeout(resolve, 0));
    store.attachPort('a', recordingPort(sent));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual([`hostname${ENTER}`]);
  });

  it('waits for a prompt before each command, the first included', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    const sent: string[] = [];
    const releases: (() => void)[] = [];
    store.attachPort('a', recordingPort(sent, () => new Promise<void>((resolve) => releases.push(resolve))));
    store.run('a', plain('first', 'second'));
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    await tick();
    expect(sent).toEqual([]);
    releases.shift()!();
    await tick();
    expect(sent).toEqual([`first${ENTER}`]);
    releases.shift()!();
    await tick();
    expect(sent).toEqual([`first${ENTER}`, `second${ENTER}`]);
  });

  it('leaves full screen when minimized and the reverse', () => {
    const store = new DockStore();
    store.setFullscreen(true);
    store.setMinimized(true);
    expect(store.getState()).toMatchObject({ fullscreen: false, minimized: true });
    store.setFullscreen(true);
    expect(store.getState()).toMatchObject({ fullscreen: true, minimized: false });
  });
});

describe('DockStore.restart', () => {
  it('starts a new generation of the terminal, clears its status and brings it forward', () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    store.declare({ id: 'b', target: 'tools', name: 'B' });
    store.setStatus('b', { kind: 'exited', exitCode: 0 });
    store.restart('b');
    expect(store.getState()).toMatchObject({ activeId: 'b', generation: { b: 1 } });
    expect(store.getState().status.b).toBeUndefined();
  });
});

describe('DockStore.run', () => {
  it('resolves once the last command has ended', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    const sent: string[] = [];
    store.attachPort('a', recordingPort(sent));
    expect(await store.run('a', plain('one', 'two'))).toEqual({ kind: 'done' });
    expect(sent).toEqual([`one${ENTER}`, `two${ENTER}`]);
  });

  it('stops at a command that fails, naming it, its status and how many were not typed', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    const sent: string[] = [];
    store.attachPort('a', recordingPort(sent, undefined, (line) => ({ kind: 'exited', exitCode: line.startsWith('false') ? 1 : 0 })));
    expect(await store.run('a', plain('true', 'false', 'echo a', 'echo b'))).toEqual({ kind: 'failed', command: 'false', problem: 'exited with status 1', notTyped: 2 });
    expect(sent).toEqual([`true${ENTER}`, `false${ENTER}`]);
  });

  it('holds each command to its own expectations, a failing pipeline stage included', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    const sent: string[] = [];
    const ends: Record<string, CommandEnd> = {
      [`false${ENTER}`]: { kind: 'exited', exitCode: 1 },
      [`curl -sf x | grep -q y${ENTER}`]: { kind: 'exited', exitCode: 0, pipeStatus: [23, 0] },
      [`curl -sf x | jq .${ENTER}`]: { kind: 'exited', exitCode: 0, pipeStatus: [22, 0] },
    };
    store.attachPort('a', recordingPort(sent, undefined, (line) => ends[line]!));
    const commands: RunCommand[] = [
      { text: 'false', expect: { kind: 'nonzero' }, keepsRunning: false },
      { text: 'curl -sf x | grep -q y', expect: SUCCESS, allowPipeFailure: true, keepsRunning: false },
      { text: 'curl -sf x | jq .', expect: SUCCESS, keepsRunning: false },
    ];
    expect(await store.run('a', commands)).toEqual({
      kind: 'failed',
      command: 'curl -sf x | jq .',
      problem: 'pipeline stage 1 of 2 exited with status 22',
      notTyped: 0,
    });
    expect(sent).toHaveLength(3);
  });

  it('types a command that keeps running without waiting for it to end, and ends the block there', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    const sent: string[] = [];
    store.attachPort('a', { ...recordingPort(sent), commandEnd: () => new Promise<CommandEnd>(() => {}) });
    const outcome = await store.run('a', [{ text: 'tail -f log', expect: SUCCESS, keepsRunning: true }]);
    expect(outcome).toEqual({ kind: 'left-running', command: 'tail -f log' });
    expect(sent).toEqual([`tail -f log${ENTER}`]);
  });

  it('stops when the shell goes away, and runs the next block only after the one before', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    const sent: string[] = [];
    let endFirst!: (end: CommandEnd) => void;
    store.attachPort('a', { ...recordingPort(sent), commandEnd: () => new Promise<CommandEnd>((resolve) => (endFirst = resolve)) });
    const first = store.run('a', plain('sleep 5', 'echo done'))!;
    const second = store.run('a', plain('echo next'))!;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual([`sleep 5${ENTER}`]);
    endFirst({ kind: 'ended', reason: 'the shell exited with code 0' });
    expect(await first).toEqual({ kind: 'stopped', command: 'sleep 5', reason: 'the shell exited with code 0' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual([`sleep 5${ENTER}`, `echo next${ENTER}`]);
    endFirst({ kind: 'exited', exitCode: 0 });
    expect(await second).toEqual({ kind: 'done' });
  });

  it('runs the next block in a terminal after one that threw, and says how the one that threw ended', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    const sent: string[] = [];
    let calls = 0;
    store.attachPort('a', {
      ...recordingPort(sent),
      // The first wait for a prompt throws (a bug, a disposed pane); the next ones work.
      waitForPrompt: () => (calls++ === 0 ? Promise.reject(new Error('pane gone')) : Promise.resolve({ kind: 'ready' })),
    });
    const first = store.run('a', plain('echo one'))!;
    const second = store.run('a', plain('echo two'))!;
    expect(await first).toEqual({ kind: 'stopped', command: null, reason: 'pane gone' });
    expect(await second).toEqual({ kind: 'done' });
    expect(sent).toEqual([`echo two${ENTER}`]);
  });

  it('keeps each block\'s state, running and then how it ended, in the store: a button mounted again shows it', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    const sent: string[] = [];
    let endIt!: (end: CommandEnd) => void;
    store.attachPort('a', { ...recordingPort(sent), commandEnd: () => new Promise<CommandEnd>((resolve) => (endIt = resolve)) });
    const commands = plain('sleep 5');
    const key = blockKey('a', commands);
    expect(store.getState().blocks[key]).toBeUndefined();
    const outcome = store.run('a', commands)!;
    // A button for the same block, rendered anew (the learner came back to the page), reads this.
    expect(store.getState().blocks[key]).toEqual({ kind: 'running' });
    expect(store.getState().blocks[blockKey('a', plain('sleep 6'))]).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 0));
    endIt({ kind: 'exited', exitCode: 2 });
    const o = await outcome;
    expect(o.kind).toBe('failed');
    expect(store.getState().blocks[key]).toEqual({ kind: 'ended', outcome: o });
  });
});

describe('DockStore web tabs', () => {
  it('opens a web tab beside the terminals, brings it forward, reloads it and closes it', () => {
    const store = new DockStore();
    store.declare({ id: 'tools', target: 'tools', name: 'Tools' });
    store.setMinimized(true);
    store.openWeb({ service: 'prometheus', title: 'Prometheus', url: '/lab-web/prometheus/classic/targets' });
    let s = store.getState();
    expect(s.webTabs).toEqual([{ id: 'web:prometheus', service: 'prometheus', title: 'Prometheus', url: '/lab-web/prometheus/classic/targets' }]);
    expect(s).toMatchObject({ activeId: 'web:prometheus', minimized: false });
    expect(s.generation['web:prometheus']).toBeUndefined();
    // Activating a terminal and back; opening it again at the same place loads it again.
    store.activate('tools');
    store.activate('web:prometheus');
    expect(store.getState().activeId).toBe('web:prometheus');
    store.openWeb({ service: 'prometheus', title: 'Prometheus', url: '/lab-web/prometheus/classic/targets' });
    store.reloadWeb('web:prometheus');
    expect(store.getState().generation['web:prometheus']).toBe(2);
    // At another place: the same tab, now there.
    store.openWeb({ service: 'prometheus', title: 'Prometheus', url: '/lab-web/prometheus/classic/graph' });
    expect(store.getState().webTabs.map((t) => t.url)).toEqual(['/lab-web/prometheus/classic/graph']);
    store.closeWeb('web:prometheus');
    s = store.getState();
    expect(s.webTabs).toEqual([]);
    expect(s.activeId).toBe('tools');
  });
});
