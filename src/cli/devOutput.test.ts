import { describe, expect, it } from 'vitest';
import { DevOutput } from './devOutput.ts';

describe('DevOutput', () => {
  it("holds the dev server's lines until the gateway listens, then prints them with its URL for the internal one", () => {
    const lines: string[] = [];
    const out = new DevOutput(41234, (l) => lines.push(l));
    out.push('[INFO] Starting the development server...\n[SUCCESS] Docusaurus website is running at: http://127.0.0.1:41');
    out.push('234/\nsee http://localhost:41234/course/x and http://localhost:412345/ and http://example.org:41234/\n[webpackbar] Compiling');
    expect(lines).toEqual([]);
    out.setUrl('http://localhost:3000');
    out.push(' Client\n');
    out.flush();
    expect(lines).toEqual([
      '[INFO] Starting the development server...',
      '[SUCCESS] Docusaurus website is running at: http://localhost:3000/',
      'see http://localhost:3000/course/x and http://localhost:412345/ and http://example.org:41234/',
      '[webpackbar] Compiling Client',
    ]);
  });
});
