/** Worker thread of AnalysisPool: analyses one answer per message (for a check, or for the explain view), in order, and posts the result back. */
import { parentPort } from 'node:worker_threads';
import { analyseForExplain, analyseQuery } from './analysis.ts';
import type { AnalysisReply, AnalysisRequest } from './AnalysisPool.ts';

const port = parentPort;
if (!port) throw new Error('analysisWorker.ts runs only as a worker thread (see AnalysisPool.ts)');
port.on('message', (request: AnalysisRequest) => {
  let reply: AnalysisReply;
  try {
    reply = { id: request.id, result: request.task === 'explain' ? analyseForExplain(request.query) : analyseQuery(request.query) };
  } catch (error) {
    reply = { id: request.id, failed: (error as Error).message };
  }
  port.postMessage(reply);
});
// Loading the parsers takes a while; the pool starts a job's clock only once this arrives.
port.postMessage({ ready: true } satisfies AnalysisReply);
