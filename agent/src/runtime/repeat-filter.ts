// "Log why at most once per change": a poller that fails the same way every 100 ms must not
// flood the log. A RepeatFilter remembers the last reason and how often it recurred in a row.

interface Occurrence {
  /** True the first time this reason shows up after a different one (or after a success). */
  first: boolean;
  /** How many times in a row this reason has occurred, this one included. */
  count: number;
}

export class RepeatFilter {
  #last: string | undefined;
  #count = 0;

  /** Records one occurrence of `reason` (a stable key: a code plus what it is about). */
  record(reason: string): Occurrence {
    if (reason === this.#last) {
      this.#count += 1;
      return { first: false, count: this.#count };
    }
    this.#last = reason;
    this.#count = 1;
    return { first: true, count: 1 };
  }

  /** Forgets the streak (after a success) and returns how long it was. */
  reset(): number {
    const count = this.#count;
    this.#last = undefined;
    this.#count = 0;
    return count;
  }

  get streak(): number {
    return this.#count;
  }
}

/** Counts at which a repeating failure is logged again with its tally: 2, 4, 8, 16, ... */
export function isCountMilestone(count: number): boolean {
  return count >= 2 && (count & (count - 1)) === 0;
}
