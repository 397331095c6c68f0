/** The hooks of `Predictor.onFitted`, shared by the predictors that offer it. */
import type { FitHook, FitReport, Predictor } from '../core/types.js';

export class FitHooks<A> {
  readonly #hooks: FitHook<A>[] = [];

  add(hook: FitHook<A>): void {
    if (typeof hook !== 'function') throw new TypeError(`onFitted: expected a function, got ${typeof hook}`);
    this.#hooks.push(hook);
  }

  /** Runs every hook in registration order, then hands `report` back (so `return hooks.after(p, report)` ends a fit). */
  async after<R extends FitReport>(predictor: Predictor<A>, report: R): Promise<R> {
    for (const hook of this.#hooks) await hook(predictor, report);
    return report;
  }
}
