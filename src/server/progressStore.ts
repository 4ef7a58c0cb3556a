/**
 * Passed challenges per learner session, on disk: one JSON file per session in a data directory, each
 * write atomic (temp file in the same directory, fsync, rename, fsync the directory), so a gateway
 * restart or a SIGKILL mid-write leaves either the old or the new file, never a torn one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ChallengeProgress } from '../protocol/challenges.ts';

export type SessionProgress = Record<string, ChallengeProgress>;

const TEMP_SUFFIX = '.tmp';
const FORMAT_VERSION = 1;

interface ProgressFile {
  version: number;
  challenges: SessionProgress;
}

export class ProgressStore {
  /** Writes per session run one after another, so two quick checks cannot lose each other's update. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private ready: Promise<void> | null = null;

  constructor(readonly dir: string) {}

  /** Creates the directory and removes temp files a killed writer left behind. */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      for (const name of await readdir(this.dir)) if (name.endsWith(TEMP_SUFFIX)) await rm(path.join(this.dir, name), { force: true });
    })();
    return this.ready;
  }

  /** File name from a hash: session ids never become paths. */
  fileFor(sessionId: string): string {
    return path.join(this.dir, `${createHash('sha256').update(sessionId).digest('hex').slice(0, 32)}.json`);
  }

  async get(sessionId: string): Promise<SessionProgress> {
    await this.init();
    return readProgressFile(this.fileFor(sessionId));
  }

  /** Counts an attempt; the first pass records its time. Returns the challenge's progress after it. */
  recordAttempt(sessionId: string, challengeId: string, passed: boolean, now = new Date()): Promise<ChallengeProgress> {
    return this.update(sessionId, challengeId, (p) => ({
      ...p,
      attempts: p.attempts + 1,
      passed: p.passed || passed,
      ...(passed && !p.passedAt ? { passedAt: now.toISOString() } : {}),
    }));
  }

  markRevealed(sessionId: string, challengeId: string): Promise<ChallengeProgress> {
    return this.update(sessionId, challengeId, (p) => ({ ...p, revealed: true }));
  }

  private update(sessionId: string, challengeId: string, change: (p: ChallengeProgress) => ChallengeProgress): Promise<ChallengeProgress> {
    const previous = this.queues.get(sessionId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      await this.init();
      const file = this.fileFor(sessionId);
      const all = await readProgressFile(file);
      const updated = change(all[challengeId] ?? { passed: false, attempts: 0, revealed: false });
      all[challengeId] = updated;
      await writeAtomic(file, JSON.stringify({ version: FORMAT_VERSION, challenges: all } satisfies ProgressFile));
      return updated;
    });
    this.queues.set(sessionId, next);
    void next.finally(() => {
      if (this.queues.get(sessionId) === next) this.queues.delete(sessionId);
    }).catch(() => undefined);
    return next;
  }
}

export async function readProgressFile(file: string): Promise<SessionProgress> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  const parsed = JSON.parse(text) as ProgressFile;
  return parsed.challenges ?? {};
}

/** Temp file + fsync + rename + directory fsync: the file is the old one or the new one, whole. */
export async function writeAtomic(file: string, content: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
