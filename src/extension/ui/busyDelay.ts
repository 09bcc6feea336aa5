/**
 * Ghost text asks the model on almost every keystroke: a status item flipping to "generating" and back each time is
 * noise. This holds a "busy" state back for `delayMs` and drops it when the work ends sooner; longer work (a slow
 * model, a fill) still shows. Every other state passes at once. No `vscode` import, so it is tested alone.
 */
export class BusyDelay<S extends { state: string }> {
  private timer?: ReturnType<typeof setTimeout>;
  private shown?: S;

  constructor(
    private readonly delayMs: number,
    private readonly show: (state: S) => void,
  ) {}

  update(state: S): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (state.state === 'busy' && this.shown?.state !== 'busy') {
      this.timer = setTimeout(() => this.apply(state), this.delayMs);
      return;
    }
    this.apply(state);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private apply(state: S): void {
    this.timer = undefined;
    this.shown = state;
    this.show(state);
  }
}
