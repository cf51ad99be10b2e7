/**
 * The few DOM helpers the views share. Text goes in through textContent only, so nothing a
 * server or a user sends is ever parsed as HTML.
 */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

export function el(tag: string, className: string | null, ...children: Array<Node | string>): HTMLElement {
  const e = document.createElement(tag);
  if (className !== null) e.className = className;
  for (const c of children) e.append(c);
  return e;
}

/** A table row of text cells (classes optional, one per cell). */
export function row(cells: ReadonlyArray<string>, classes: ReadonlyArray<string | null> = []): HTMLTableRowElement {
  const tr = document.createElement('tr');
  cells.forEach((text, i) => tr.append(el('td', classes[i] ?? null, text)));
  return tr;
}

/**
 * Runs `render` in an animation frame, at most once per `intervalMs` however often it is asked
 * for: a busy book changes hundreds of times a second, and neither a person nor a shared CPU
 * gains from drawing each change.
 */
export function frameScheduler(render: () => void, intervalMs = 0): () => void {
  let queued = false;
  let lastMs = -Infinity;
  const draw = (): void => {
    requestAnimationFrame(() => {
      queued = false;
      lastMs = performance.now();
      render();
    });
  };
  return () => {
    if (queued) return;
    queued = true;
    const waitMs = lastMs + intervalMs - performance.now();
    if (waitMs <= 0) draw();
    else window.setTimeout(draw, waitMs);
  };
}

/** hh:mm:ss.mmm of a µs timestamp, local time. */
export function clockOf(timestampUs: number): string {
  const d = new Date(Math.floor(timestampUs / 1000));
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
