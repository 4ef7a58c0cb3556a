import { describe, expect, it } from 'vitest';
import {
  ABNORMAL_CLOSURE,
  CloseCode,
  ErrorRegistry,
  apiError,
  browserError,
  closeCodeOf,
  closeMessage,
  closeRetried,
  errorRetried,
  isTerminalErrorCode,
  terminalError,
  type CheckErrorKind,
  type TerminalErrorCode,
} from './errors.ts';

describe('error registry', () => {
  it('builds the one HTTP error shape, filling the template in order', () => {
    expect(apiError('PB_PAYLOAD_TOO_LARGE', '16384')).toEqual({
      statusCode: 413,
      code: 'PB_PAYLOAD_TOO_LARGE',
      error: 'Payload Too Large',
      message: 'Request body is larger than 16384 bytes',
    });
    expect(apiError('PB_NOT_FOUND').message).toBe('No route ');
  });

  it('gives every close code one name, none of them 1006, which is never sent', () => {
    const codes = Object.values(ErrorRegistry.close).map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(ABNORMAL_CLOSURE);
    expect(CloseCode.TargetRefused).toBe(4003);
    expect(CloseCode.LabNotReady).toBe(4503);
  });

  it('says after which closes the dock gives up: the shell ended, it moved tabs, was refused, broke the rules, its lab was reclaimed, or the terminal an instructor would watch does not exist', () => {
    const all = [...Object.values(CloseCode), ABNORMAL_CLOSURE];
    expect(all.filter((code) => !closeRetried(code)).sort((a, b) => a - b)).toEqual([1000, 1008, 4001, 4003, 4008, 4400, 4404, 4410, 4413]);
    // A lab still starting, a full gateway, a restart, a reset lab and a dropped connection are worth another try.
    for (const code of [CloseCode.LabNotReady, CloseCode.TryAgainLater, CloseCode.GoingAway, CloseCode.LabReset, ABNORMAL_CLOSURE]) expect(closeRetried(code)).toBe(true);
  });

  it('closes each terminal error with its close code and words the Error frame from the template', () => {
    expect(closeCodeOf('PB_UNKNOWN_TARGET')).toBe(4003);
    expect(closeCodeOf('PB_ACK_STALL')).toBe(CloseCode.PolicyViolation);
    expect(closeCodeOf('PB_TOO_MANY_TERMINALS')).toBe(4429);
    expect(terminalError('PB_ACK_STALL', '30000')).toEqual({ code: 'PB_ACK_STALL', message: 'No acknowledgement for 30000 ms while output was waiting' });
    expect(terminalError('PB_TARGET_REFUSED', 'User daemon is not allowed')).toEqual({ code: 'PB_TARGET_REFUSED', message: 'User daemon is not allowed' });
    expect(closeMessage(CloseCode.TakenOver)).toMatch(/another tab/);
    expect(closeMessage(CloseCode.BadFrame)).toBeUndefined();
  });

  it('knows its terminal codes and nothing else', () => {
    for (const code of Object.keys(ErrorRegistry.terminal) as TerminalErrorCode[]) expect(isTerminalErrorCode(code)).toBe(true);
    expect(isTerminalErrorCode('PB_NOT_FOUND')).toBe(false);
    expect(isTerminalErrorCode('toString')).toBe(false);
  });

  it('does not count an answer that was never graded as an attempt', () => {
    const notAttempts = (Object.keys(ErrorRegistry.check) as CheckErrorKind[]).filter((k) => !ErrorRegistry.check[k].attempt);
    expect(notAttempts.sort()).toEqual(['needs-data', 'timed-out', 'unavailable']);
  });

  it('says which failed requests are worth repeating as they are', () => {
    expect(errorRetried('PB_LAB_NOT_READY')).toBe(true);
    expect(errorRetried('PB_UPSTREAM')).toBe(true);
    expect(errorRetried('PB_NETWORK')).toBe(true);
    expect(errorRetried('PB_BAD_REQUEST')).toBe(false);
    expect(errorRetried('PB_ABORTED')).toBe(false);
    expect(errorRetried('PB_SOMETHING_ELSE')).toBe(false);
    expect(errorRetried('constructor')).toBe(false);
  });

  it('gives browser errors their fixed status, or the status of the answer they are about', () => {
    expect(browserError('PB_NETWORK')).toMatchObject({ statusCode: 0, code: 'PB_NETWORK', message: expect.stringMatching(/Cannot reach/) });
    expect(browserError('PB_BAD_RESPONSE', ['parse error at char 4'], 400)).toEqual({ statusCode: 400, code: 'PB_BAD_RESPONSE', error: 'Bad Response', message: 'parse error at char 4' });
  });
});
