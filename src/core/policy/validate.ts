/** Option checks shared by the policies. Each throws a `RangeError` naming the option. */

/** `value` must be a finite number > 0 (or >= 0 with `allowZero`). */
export function requirePositive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) {
    throw new RangeError(
      `${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${value}`,
    );
  }
  return value;
}

/** `value` must be an integer >= `min`. */
export function requireInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}
