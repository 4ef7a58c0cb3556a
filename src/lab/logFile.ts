/**
 * A process's log: stdout and stderr appended to one file, bounded by rotating it to `<file>.1` once it
 * passes MAX_BYTES (so a chatty process cannot fill /run). Synchronous writes: chunks are small, and a
 * crash loses nothing that was read from the pipe.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync, fstatSync } from 'node:fs';
import { dirname } from 'node:path';

/** Per file; with one rotated file a process keeps at most twice this. */
export const LOG_MAX_BYTES = 2 * 1024 * 1024;

export class LogFile {
  private fd: number;
  private size: number;

  constructor(readonly path: string, private readonly maxBytes = LOG_MAX_BYTES) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  write(chunk: Buffer | string): void {
    if (this.fd < 0) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.size + buf.length > this.maxBytes && this.size > 0) this.rotate();
    writeSync(this.fd, buf);
    this.size += buf.length;
  }

  /** A line from the supervisor itself (start, exit, restart), marked so it stands out from output. */
  note(message: string): void {
    this.write(`[patchbay ${new Date().toISOString()}] ${message}\n`);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private rotate(): void {
    closeSync(this.fd);
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a');
    this.size = 0;
  }
}
