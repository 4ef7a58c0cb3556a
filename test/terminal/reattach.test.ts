import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';
import { PROMPT_MARK_OSC, formatPromptMark } from '../../src/protocol/promptMarks.ts';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startGateway();
});
afterEach(async () => {
  await gw.close();
});

async function shellPid(t: TerminalTestClient): Promise<string> {
  t.mark();
  t.type('echo "pid=[$$]"\r');
  await t.waitForText(/pid=\[(\d+)\]/);
  return /pid=\[(\d+)\]/.exec(t.text)![1]!;
}

describe('a terminal across sockets', () => {
  it('runs a command and shows its output', async () => {
    const t = await TerminalTestClient.open(gw, 'one');
    expect(t.hello).toMatchObject({ terminalId: 'one', host: 'tools', resumed: false });
    t.type('echo $((6*7))\r');
    await t.waitForText('42');
    await t.close();
  });

  it('marks each bash prompt, so the page can type a block only at a prompt', async () => {
    const t = await TerminalTestClient.open(gw, 'marks');
    expect(t.hello?.promptMarks).toBe(true);
    const mark = formatPromptMark({ kind: 'prompt-start' });
    await t.waitForText(mark);
    t.mark();
    t.type('(exit 3)\r');
    // One mark per prompt, starting the prompt itself, after the command's exit status and readline's set-up.
    await t.waitFor(() => t.text.includes(mark) && /[#$] $/.test(t.text.slice(t.text.indexOf(mark))));
    expect(t.text.split(mark).length - 1).toBe(1);
    // The D mark names its shell (aid=), the same for each of its prompts.
    const end = /\x1b\]133;D;3;2;3;aid=[\w.-]+\x07/.exec(t.text)?.[0];
    if (end === undefined) throw new Error(`no D mark for (exit 3) in ${JSON.stringify(t.text)}`);
    expect(t.text.slice(t.text.indexOf(end) + end.length)).toMatch(/^(\x1b\[\?2004h)?\x1b\]133;A\x07/);
    await t.close();
  });

  it('ends the screen replayed to a page that reattaches with the shell’s last marks: A only while it is at a prompt', async () => {
    const first = await TerminalTestClient.open(gw, 'replayed-marks');
    const prompt = formatPromptMark({ kind: 'prompt-start' });
    await first.waitForText(prompt);
    first.mark();
    first.type('(exit 5)\r');
    await first.waitForText(/\x1b\]133;A\x07[^\x1b]*[#$] $/);
    const lastEnd = /\x1b\]133;D;5;2;5;aid=[\w.-]+\x07/.exec(first.text)?.[0];
    await first.close();
    if (lastEnd === undefined) throw new Error(`no D mark for (exit 5) in ${JSON.stringify(first.text)}`);
    const atPrompt = await TerminalTestClient.open(gw, 'replayed-marks');
    await atPrompt.waitFor(() => atPrompt.replays === 1);
    await atPrompt.settled();
    expect(atPrompt.text.endsWith(lastEnd + prompt)).toBe(true);
    // While a command runs, the last D mark only: the page waits for the next prompt.
    atPrompt.type('sleep 30\r');
    await atPrompt.waitForText('sleep 30\r\n');
    await atPrompt.close();
    const running = await TerminalTestClient.open(gw, 'replayed-marks');
    await running.waitFor(() => running.replays === 1);
    await running.settled();
    expect(running.text.endsWith(lastEnd)).toBe(true);
    running.type('\x03');
    await running.waitForText(/\x1b\]133;D;130;3;130;aid=[\w.-]+\x07/);
    await running.close();
  });

  it('replays no marks for a shell that does not mark prompts', async () => {
    const first = await TerminalTestClient.open(gw, 'replayed-sh', { query: { shell: '/bin/sh' } });
    first.type('echo $((6*7))\r');
    await first.waitForText('42');
    await first.close();
    const second = await TerminalTestClient.open(gw, 'replayed-sh', { query: { shell: '/bin/sh' } });
    await second.waitFor(() => second.replays === 1);
    await second.settled();
    expect(second.text).toContain('42');
    expect(second.text).not.toContain(`\x1b]${PROMPT_MARK_OSC};`);
    await second.close();
  });

  it('does not mark prompts of a shell it cannot hook (sh)', async () => {
    const t = await TerminalTestClient.open(gw, 'plain-sh', { query: { shell: '/bin/sh' } });
    expect(t.hello?.promptMarks).toBe(false);
    t.type('echo $((6*7))\r');
    await t.waitForText('42');
    expect(t.text).not.toContain(`\x1b]${PROMPT_MARK_OSC};`);
    await t.close();
  });

  it('resumes the same shell and replays the same screen on reattach', async () => {
    const first = await TerminalTestClient.open(gw, 'resume');
    const pid = await shellPid(first);
    first.type('printf "\\033[1;31mred\\033[0m marker-%s\\n" abc\r');
    await first.waitForText(/marker-abc\r\n[\s\S]*[#$] $/);
    await first.settled();
    const before = first.screenLines();
    await first.close();

    const second = await TerminalTestClient.open(gw, 'resume');
    expect(second.hello?.resumed).toBe(true);
    await second.waitFor(() => second.replays === 1);
    await second.settled();
    expect(second.screenLines()).toEqual(before);
    expect(await shellPid(second)).toBe(pid);
    await second.close();
  });

  it('lets a second attach take over without doubling input', async () => {
    const first = await TerminalTestClient.open(gw, 'shared');
    await shellPid(first);
    const second = await TerminalTestClient.open(gw, 'shared');
    const closed = await first.closed;
    expect(closed.code).toBe(4001);
    second.mark();
    second.type('echo x$((1+1))y\r');
    await second.waitForText(/x2y[\s\S]*[#$] $/);
    // The command line is echoed once and its output printed once: "x2y" appears exactly once.
    expect(second.text.match(/x2y/g)?.length).toBe(1);
    first.type('echo from-old-socket\r');
    second.mark();
    second.type('echo after\r');
    await second.waitForText(/after[\s\S]*after/);
    expect(second.text).not.toContain('from-old-socket');
    await second.close();
  });
});
