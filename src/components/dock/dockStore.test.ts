import { describe, expect, it } from 'vitest';
import { DockStore, ENTER, type InputPort } from './dockStore.ts';

function recordingPort(sent: string[], settle: () => Promise<void> = () => Promise.resolve()): InputPort {
  return { send: (text) => sent.push(text), settled: settle, shown: () => Promise.resolve() };
}

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
    expect(store.run('nope', ['ls'])).toBe(false);
  });

  it('runs commands in order, each followed by Enter, and brings the tab forward', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    store.declare({ id: 'b', target: 'tools', name: 'B' });
    store.setMinimized(true);
    const sent: string[] = [];
    store.attachPort('b', recordingPort(sent));
    expect(store.run('b', ['echo one', 'echo two', 'echo three'])).toBe(true);
    expect(store.getState()).toMatchObject({ activeId: 'b', minimized: false });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual([`echo one${ENTER}`, `echo two${ENTER}`, `echo three${ENTER}`]);
  });

  it('queues commands until the terminal is attached, then sends them once', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    store.run('a', ['hostname']);
    const sent: string[] = [];
    store.attachPort('a', recordingPort(sent));
    await new Promise((resolve) => setTimeout(resolve, 0));
    store.attachPort('a', recordingPort(sent));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual([`hostname${ENTER}`]);
  });

  it('waits for output to settle before each command, the first included', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    const sent: string[] = [];
    const releases: (() => void)[] = [];
    store.attachPort('a', recordingPort(sent, () => new Promise<void>((resolve) => releases.push(resolve))));
    store.run('a', ['first', 'second']);
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

describe('DockStore.whenTyped', () => {
  it('resolves once the last queued command has been typed', async () => {
    const store = new DockStore();
    store.declare({ id: 'a', target: 'tools', name: 'A' });
    const sent: string[] = [];
    store.attachPort('a', { send: (text) => sent.push(text), settled: () => Promise.resolve(), shown: () => Promise.resolve() });
    store.run('a', ['one', 'two']);
    await store.whenTyped('a');
    expect(sent).toEqual([`one${ENTER}`, `two${ENTER}`]);
  });
});
