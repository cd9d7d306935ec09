// Reads the password libpq would take from PGPASSFILE for PGHOST:PGPORT, for clients that do not
// read the file themselves. Fields are separated by ':', and '\' escapes ':' and '\'.
import { readFileSync } from 'node:fs';

function fields(line) {
  const out = [''];
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) {
      out[out.length - 1] += line[++i];
    } else if (c === ':' && out.length < 5) {
      out.push('');
    } else {
      out[out.length - 1] += c;
    }
  }
  return out;
}

export function passwordFromFile() {
  const host = process.env.PGHOST ?? 'localhost';
  const port = process.env.PGPORT ?? '5432';
  const database = process.env.PGDATABASE ?? '';
  const user = process.env.PGUSER ?? '';
  const matches = (pattern, value) => pattern === '*' || pattern === value;
  for (const line of readFileSync(process.env.PGPASSFILE, 'utf8').split('\n')) {
    const f = fields(line);
    if (f.length === 5 && matches(f[0], host) && matches(f[1], port) && matches(f[2], database) && matches(f[3], user)) {
      return f[4];
    }
  }
  throw new Error(`no entry for ${host}:${port} in ${process.env.PGPASSFILE}`);
}
