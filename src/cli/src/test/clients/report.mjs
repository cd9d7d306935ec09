// What every Node client script of the matrix shares: one JSON line per checked feature on
// standard output, which ClientMatrixTest reads into its table.

export function report(feature, ok, detail) {
  console.log(JSON.stringify({ feature, ok, detail: String(detail ?? '') }));
}

export async function check(feature, fn) {
  try {
    report(feature, true, await fn());
  } catch (e) {
    report(feature, false, `${e?.code ? e.code + ' ' : ''}${e?.message ?? e}`);
  }
}

export function expect(condition, what) {
  if (!condition) {
    throw new Error(what);
  }
}

/** Settles after ms milliseconds, failing with what: no check may hang the run. */
export function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
