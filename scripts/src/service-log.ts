/**
 * The end of what one service printed, across its runs (a restart is marked): a ring of chunks bounded in
 * bytes, so a chatty service costs no more than the cap, and a test can show it once something failed.
 */
export class ServiceLog {
  readonly #cap: number;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #dropped = 0;
  #printed = false;

  constructor(capBytes: number) {
    this.#cap = capBytes;
  }

  /** True until the service itself printed something (the start and exit notes alone are not worth showing). */
  get empty(): boolean {
    return !this.#printed;
  }

  write(chunk: Buffer): void {
    this.#printed = true;
    this.#note(chunk);
  }

  #note(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#bytes > this.#cap && this.#chunks.length > 1) {
      const first = this.#chunks.shift()!;
      this.#bytes -= first.length;
      this.#dropped += first.length;
    }
  }

  started(pid: number | undefined): void {
    if (this.#bytes > 0) this.#note(Buffer.from(`[started again, pid ${pid ?? '?'}]\n`));
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.#note(Buffer.from(`[exited: ${signal ?? `code ${code}`}]\n`));
  }

  /** The kept output, as UTF-8 (a character cut at the ring's start shows as a replacement character). */
  text(): string {
    const body = Buffer.concat(this.#chunks).toString('utf8');
    return this.#dropped > 0 ? `[… ${this.#dropped} earlier bytes not kept]\n${body}` : body;
  }
}
