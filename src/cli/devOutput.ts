/**
 * What `patchbay dev` prints of the Docusaurus dev server's output: every line, except that its own URL
 * (an internal port where terminals never connect) becomes the gateway's, so the only URL on the
 * screen is the one to open. Lines wait until the gateway listens and its URL is known.
 */
export class DevOutput {
  private partial = '';
  private held: string[] = [];
  private url: string | null = null;
  private readonly internal: RegExp;

  constructor(
    internalPort: number,
    private readonly write: (line: string) => void,
  ) {
    // `http://127.0.0.1:PORT`, `http://localhost:PORT`, `http://[::1]:PORT`, `http://0.0.0.0:PORT`, with any path.
    this.internal = new RegExp(`https?://(?:127\\.0\\.0\\.1|localhost|\\[::1?\\]|0\\.0\\.0\\.0):${internalPort}(?![0-9])/?`, 'g');
  }

  /** A chunk of the dev server's output; complete lines go on. */
  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.line(line);
  }

  /** The gateway's URL: held lines go out now, rewritten. */
  setUrl(url: string): void {
    this.url = url.replace(/\/$/, '');
    for (const line of this.held.splice(0)) this.line(line);
  }

  /** The rest of an output that did not end with a newline. */
  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(line: string): void {
    if (this.url === null) {
      this.held.push(line);
      return;
    }
    this.write(line.replace(this.internal, `${this.url}/`));
  }
}
