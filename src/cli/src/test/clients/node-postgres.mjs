// node-postgres (pg) through pgwarden local, configured only by PGHOST, PGPORT, PGUSER,
// PGDATABASE and PGPASSFILE: no password is given, pg reads the token from the file for each
// new connection. Usage: node node-postgres.mjs all|reconnect
import pg from 'pg';
import Cursor from 'pg-cursor';
import copyStreams from 'pg-copy-streams';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { check, expect, within } from './report.mjs';

const mode = process.argv[2] ?? 'all';

async function connect() {
  expect(!('PGPASSWORD' in process.env), 'PGPASSWORD is set: the check would not show the password file at work');
  const client = new pg.Client();
  await client.connect();
  return client;
}

async function once(sql) {
  const client = await connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

if (mode === 'reconnect') {
  await check('reconnect after token expiry', async () => {
    const r = await once('select 1 as one');
    expect(r.rows[0].one === 1, 'select 1 answered ' + JSON.stringify(r.rows));
    return 'a new connection took the fresh token from the file';
  });
  process.exit(0);
}

let client;
await check('connect without password', async () => {
  client = await connect();
  return 'token from PGPASSFILE';
});
if (!client) {
  process.exit(0);
}

await check('query, masked', async () => {
  const r = await client.query('select name, email from customers where id = 1');
  expect(r.rows[0].email === '****@example.com', 'email came back as ' + r.rows[0].email);
  return `${r.rows[0].name} ${r.rows[0].email}`;
});

await check('parameters', async () => {
  const r = await client.query('select product, amount from orders where id = $1', [3]);
  expect(r.rows.length === 1 && r.rows[0].product === 'mouse', JSON.stringify(r.rows));
  return `${r.rows[0].product} ${r.rows[0].amount}`;
});

await check('binary results', async () => {
  const r = await client.query({ text: 'select id, email from customers where id = $1', values: [2], binary: true });
  expect(r.rows[0].id === 2, 'id came back as ' + r.rows[0].id);
  expect(r.rows[0].email === '****@example.org', 'email came back as ' + r.rows[0].email);
  return `binary int4 and text: ${r.rows[0].id} ${r.rows[0].email}`;
});

await check('cursor', async () => {
  const cursor = client.query(new Cursor('select id from orders order by id'));
  const first = await cursor.read(5);
  const second = await cursor.read(5);
  await cursor.close();
  const ids = [...first, ...second].map(r => r.id).join(',');
  expect(ids === '1,2,3,4,5,6,7,8,9,10', 'ids ' + ids);
  return 'two reads of 5 rows';
});

await check('COPY out', async () => {
  let text = '';
  await pipeline(client.query(copyStreams.to('COPY orders TO STDOUT')), new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }));
  const lines = text.split('\n').filter(Boolean).length;
  expect(lines === 50, `${lines} lines`);
  return '50 rows';
});

await check('COPY in', async () => {
  await client.query('create temp table matrix_in (id int, note text)');
  await pipeline(Readable.from(['1\tone\n', '2\ttwo\n', '3\tthree\n']),
    client.query(copyStreams.from('COPY matrix_in FROM STDIN')));
  const r = await client.query('select count(*)::int as n from matrix_in');
  expect(r.rows[0].n === 3, 'count ' + r.rows[0].n);
  return '3 rows';
});

await check('cancel', async () => {
  const query = new pg.Query('select pg_sleep(30)');
  const finished = new Promise((resolve, reject) => {
    query.on('error', reject);
    query.on('end', () => resolve('ran to the end'));
  });
  client.query(query);
  const started = Date.now();
  setTimeout(() => new pg.Client().cancel(client, query), 500);
  try {
    await within(15000, finished, 'pg_sleep(30)');
  } catch (e) {
    expect(e.code === '57014', 'failed with ' + (e.code ?? '') + ' ' + e.message);
    return `57014 after ${Date.now() - started} ms`;
  }
  throw new Error('the statement was not cancelled');
});

await check('LISTEN/NOTIFY', async () => {
  const listener = await connect();
  try {
    await listener.query('listen matrix');
    const heard = new Promise(resolve => listener.on('notification', n => resolve(n)));
    await client.query("notify matrix, 'hello'");
    const n = await within(10000, heard, 'notification');
    expect(n.channel === 'matrix' && n.payload === 'hello', JSON.stringify(n));
    return 'payload hello on another connection';
  } finally {
    await listener.end();
  }
});

await check('pool', async () => {
  const pool = new pg.Pool({ max: 3 });
  try {
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(n => pool.query('select $1::int as n', [n])));
    const got = answers.map(r => r.rows[0].n).join(',');
    expect(got === '1,2,3,4,5,6', got);
    return `6 queries on ${pool.totalCount} connections`;
  } finally {
    await pool.end();
  }
});

await client.end();
