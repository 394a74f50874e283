/** A binary min-heap ordered by `at`, then by insertion order (so equal times stay FIFO). */
export class MinHeap<T extends { at: number }> {
  #items: Array<T & { seq: number }> = [];
  #seq = 0;

  /** Number of items. */
  get size(): number {
    return this.#items.length;
  }

  /** The smallest item without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an item. */
  push(item: T): void {
    const items = this.#items;
    const entry = item as T & { seq: number };
    entry.seq = this.#seq++;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      this.#siftDown(0);
    }
    return top;
  }

  /** Removes every item matching `predicate`; returns how many. */
  removeWhere(predicate: (item: T) => boolean): number {
    const before = this.#items.length;
    const kept = this.#items.filter((item) => !predicate(item));
    this.#items = [];
    for (const item of kept) this.push(item);
    return before - kept.length;
  }

  /** Every item, in no particular order. */
  values(): T[] {
    return [...this.#items];
  }

  #siftDown(start: number): void {
    const items = this.#items;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && this.#less(items[left], items[smallest])) smallest = left;
      if (right < items.length && this.#less(items[right], items[smallest])) smallest = right;
      if (smallest === i) return;
      [items[i], items[smallest]] = [items[smallest], items[i]];
      i = smallest;
    }
  }

  #less(a: T & { seq: number }, b: T & { seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}
