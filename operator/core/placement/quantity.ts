// Kubernetes resource quantities ("500m", "4Gi", "1e3", 2) as plain numbers (pure).

const BINARY_SUFFIXES: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIXES: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

export class QuantityError extends Error {}

/** The value of a quantity in its base unit (cores, bytes, count); throws on a malformed one. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') {
    if (!Number.isFinite(quantity)) throw new QuantityError(`quantity ${quantity} is not finite`);
    return quantity;
  }
  const match = QUANTITY.exec(quantity.trim());
  if (!match) throw new QuantityError(`"${quantity}" is not a Kubernetes quantity`);
  const [, number, exponent, suffix] = match;
  const base = Number(number);
  if (exponent) return base * 10 ** Number(exponent.slice(1));
  return base * (BINARY_SUFFIXES[suffix ?? ''] ?? DECIMAL_SUFFIXES[suffix ?? '']!);
}

/** CPU in whole millicores, rounded up as Kubernetes does ("1.5" → 1500, "0.1m" → 1). */
export function cpuMillis(quantity: string | number | undefined): number {
  return quantity === undefined ? 0 : Math.ceil(parseQuantity(quantity) * 1000 - 1e-9);
}

/** Bytes (or a count), rounded up. */
export function wholeUnits(quantity: string | number | undefined): number {
  return quantity === undefined ? 0 : Math.ceil(parseQuantity(quantity) - 1e-9);
}

/** A short human form: 1536Mi → "1.5Gi", 2500 millicores → "2.5". */
export function formatBytes(bytes: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(value >= 100 || unit === 0 ? 0 : 1))}${units[unit]}`;
}

export function formatCores(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${Number((millis / 1000).toFixed(3))}`;
}

/** `parse(quantity)`, or `fallback` when the quantity is missing or malformed (for display and hints). */
export function quantityOr(parse: (quantity: string | number) => number, quantity: string | number | undefined, fallback: number): number {
  if (quantity === undefined) return fallback;
  try {
    return parse(quantity);
  } catch {
    return fallback;
  }
}
