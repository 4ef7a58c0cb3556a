/**
 * Worker thread that hosts the screen copies of many terminals (HeadlessScreen). Messages arrive in
 * order, and each screen applies its writes, resizes and snapshots in that order, so a snapshot
 * includes every write posted before it. Consumed byte counts go back in batches.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { HeadlessScreen } from './HeadlessScreen.ts';
import type { ScreenRequest, ScreenReply } from './ScreenWorkerPool.ts';

/**
 * The screen copy is bookkeeping for a reattach: keystroke echo and output to learners come first.
 * On Linux the nice value is per thread, so this lowers only this worker (the copy may lag by up to
 * ScreenBacklog.HIGH bytes and catches up when the CPU is free).
 */
const SCREEN_WORKER_NICE = 10;
/**
 * Consumed counts are reported after this delay, all screens in one message: the main thread's parser
 * guard needs them only to bound a backlog of megabytes, and a message per keystroke would wake it
 * for nothing.
 */
const REPORT_DELAY_MS = 20;
/** …or at once when one screen has consumed this much (a flood draining). */
const REPORT_NOW_BYTES = 256 * 1024;

try {
  setPriority(0, SCREEN_WORKER_NICE);
} catch {
  // Not fatal: the copy then competes at normal priority.
}

const screens = new Map<number, HeadlessScreen>();
const port = parentPort!;
const unreported = new Map<number, number>();
let reportTimer: NodeJS.Timeout | null = null;

port.on('message', (message: ScreenRequest) => {
  switch (message.op) {
    case 'open':
      screens.set(message.id, new HeadlessScreen(message.size, (bytes) => consumed(message.id, bytes)));
      return;
    case 'write':
      for (let i = 0; i < message.ids.length; i++) screens.get(message.ids[i]!)?.write(message.chunks[i]!);
      return;
    case 'resize':
      screens.get(message.id)?.resize(message.cols, message.rows, message.scrollback);
      return;
    case 'snapshot': {
      const screen = screens.get(message.id);
      if (!screen) return reply({ op: 'snapshot', token: message.token, text: '' });
      void screen.snapshot().then((text) => reply({ op: 'snapshot', token: message.token, text }));
      return;
    }
    case 'stats': {
      let estimatedBytes = 0;
      for (const screen of screens.values()) estimatedBytes += screen.estimatedBytes;
      return reply({ op: 'stats', token: message.token, screens: screens.size, estimatedBytes });
    }
    case 'close':
      screens.get(message.id)?.dispose();
      screens.delete(message.id);
      unreported.delete(message.id);
      return;
  }
});

function consumed(id: number, bytes: number): void {
  const total = (unreported.get(id) ?? 0) + bytes;
  unreported.set(id, total);
  if (total >= REPORT_NOW_BYTES) report();
  else reportTimer ??= setTimeout(report, REPORT_DELAY_MS);
}

function report(): void {
  if (reportTimer) clearTimeout(reportTimer);
  reportTimer = null;
  if (unreported.size === 0) return;
  const ids = [...unreported.keys()];
  const bytes = ids.map((id) => unreported.get(id)!);
  unreported.clear();
  reply({ op: 'consumed', ids, bytes });
}

function reply(message: ScreenReply): void {
  port.postMessage(message);
}
