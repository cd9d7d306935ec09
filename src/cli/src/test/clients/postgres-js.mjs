// postgres.js through pgwarden local. It reads PGHOST, PGPORT, PGUSER and PGDATABASE but not a
// password file; its password option may be a function, called for each new connection, so the
// token is read from PGPASSFILE there. Usage: node postgres-js.mjs all|reconnect
import postgres from 'postgres';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { check, expect, within } from './report.mjs';
import { passwordFromFile } from './pgpass.mjs';

const mode = process.argv[2] ?? 'all';
expect(!('PGPASSWORD' in process.env), 'PGPASSWORD is set: the check would not show the password file at work');
const options = { pass: passwordFromFile, max: 1, onnotice: () => {} };

if (mode === 'reconnect') {
  await check('reconnect after token expiry', async () => {
    const sql = postgres(options);
    try {
      const [row] = await sql`select 1 as one`;
      expect(row.one === 1, JSON.stringify(row));
      return 'a new connection read the fresh token from the file';
    } finally {
      await sql.end();
    }
  });
  process.exit(0);
}

const sql = postgres(options);

await check('connect without password', async () => {
  await sql`select 1`;
  return 'token read from PGPASSFILE by the password function';
});

await check('query, masked', async () => {
  const [row] = await sql.unsafe('select name, email from customers where id = 4');
  expect(row.email === '****@example.com', 'email came back as ' + row.email);
  return `${row.name} ${row.email}`;
});

await check('parameters', async () => {
  const rows = await sql`select product from orders where id = ${4}`;
  expect(rows.length === 1 && rows[0].product === 'desk', JSON.stringify(rows));
  return rows[0].product;
});

await check('pipelining', async () => {
  // One connection (max: 1): postgres.js sends all ten before the first answer arrives.
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => sql`select ${i}::int as n`));
  const got = answers.map(r => r[0].n).join(',');
  expect(got === '0,1,2,3,4,5,6,7,8,9', got);
  return '10 queries on one connection';
});

await check('cursor', async () => {
  const batches = [];
  await sql`select id from orders order by id`.cursor(20, rows => {
    batches.push(rows.length);
  });
  expect(batches.join(',') === '20,20,10', 'batches ' + batches);
  return 'batches of 20, 20, 10';
});

await check('COPY out', async () => {
  const readable = await sql`copy orders to stdout`.readable();
  let text = '';
  for await (const chunk of readable) {
    text += chunk.toString();
  }
  const lines = text.split('\n').filter(Boolean).length;
  expect(lines === 50, `${lines} lines`);
  return '50 rows';
});

await check('COPY in', async () => {
  await sql`create temp table matrix_in (id int, note text)`;
  const writable = await sql`copy matrix_in from stdin`.writable();
  await pipeline(Readable.from(['1\tone\n', '2\ttwo\n']), writable);
  const [row] = await sql`select count(*)::int as n from matrix_in`;
  expect(row.n === 2, 'count ' + row.n);
  return '2 rows';
});

await check('cancel', async () => {
  const started = Date.now();
  const query = sql`select pg_sleep(30)`;
  setTimeout(() => query.cancel(), 500);
  try {
    await within(15000, query, 'pg_sleep(30)');
  } catch (e) {
    expect(e.code === '57014', 'failed with ' + (e.code ?? '') + ' ' + e.message);
    return `57014 after ${Date.now() - started} ms`;
  }
  throw new Error('the statement was not cancelled');
});

await check('LISTEN/NOTIFY', async () => {
  let heard;
  const got = new Promise(resolve => {
    heard = resolve;
  });
  const listening = await sql.listen('matrix', payload => heard(payload));
  try {
    await sql.notify('matrix', 'hello');
    const payload = await within(10000, got, 'notification');
    expect(payload === 'hello', payload);
    return 'payload hello on the listening connection';
  } finally {
    await listening.unlisten();
  }
});

await sql.end();
