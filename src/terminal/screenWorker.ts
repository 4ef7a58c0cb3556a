/**
 * Worker thread that hosts the headless screens of many terminals (see ScreenMirror.ts). Messages in
 * order per port, so a snapshot includes every write posted before it.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { InlineScreenMirror } from './ScreenMirror.ts';
import type { ScreenRequest, ScreenReply } from './ScreenWorkerPool.ts';

/**
 * The screen copy is bookkeeping for a reattach: keystroke echo and output to learners come first.
 * On Linux the nice value is per thread, so this lowers only this worker (the copy may lag by up to
 * ScreenBacklog.HIGH bytes and catches up when the CPU is free).
 */
const SCREEN_WORKER_NICE = 10;
try {
  setPriority(0, SCREEN_WORKER_NICE);
} catch {
  // Not fatal: the copy then competes at normal priority.
}

const screens = new Map<number, InlineScreenMirror>();
const port = parentPort!;

port.on('message', (message: ScreenRequest) => {
  switch (message.op) {
    case 'open':
      screens.set(message.id, new InlineScreenMirror(message.size));
      return;
    case 'write': {
      const bytes = message.data.byteLength;
      screens.get(message.id)?.write(message.data, () => reply({ op: 'parsed', id: message.id, token: message.token, bytes }));
      return;
    }
    case 'resize':
      screens.get(message.id)?.resize(message.cols, message.rows);
      return;
    case 'snapshot': {
      const screen = screens.get(message.id);
      if (!screen) return reply({ op: 'snapshot', id: message.id, token: message.token, text: '' });
      void screen.snapshot().then((text) => reply({ op: 'snapshot', id: message.id, token: message.token, text }));
      return;
    }
    case 'close':
      screens.get(message.id)?.dispose();
      screens.delete(message.id);
      return;
  }
});

function reply(message: ScreenReply): void {
  port.postMessage(message);
}
