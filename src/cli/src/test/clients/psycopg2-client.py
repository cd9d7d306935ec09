"""psycopg2 (Debian's python3-psycopg2, on libpq) through pgwarden local, configured only by
PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSFILE: libpq reads the token from the file for each
new connection. Prints one JSON line per checked feature. Usage: psycopg2-client.py all|reconnect
"""
import io
import json
import os
import select
import sys
import threading
import time

import psycopg2
import psycopg2.errors
import psycopg2.pool


def report(feature, ok, detail):
    print(json.dumps({"feature": feature, "ok": ok, "detail": str(detail)}), flush=True)


def check(feature, fn):
    try:
        report(feature, True, fn())
    except Exception as e:  # every failure is a cell of the matrix, not a crash
        code = getattr(e, "pgcode", None)
        report(feature, False, (code + " " if code else "") + str(e).strip())


def expect(condition, what):
    if not condition:
        raise AssertionError(what)


def connect():
    expect("PGPASSWORD" not in os.environ, "PGPASSWORD is set: the check would not show the password file at work")
    return psycopg2.connect("")


def reconnect():
    with connect() as conn, conn.cursor() as cur:
        cur.execute("select 1")
        expect(cur.fetchone()[0] == 1, "select 1")
    conn.close()
    return "a new connection took the fresh token from the file"


def main(mode):
    if mode == "reconnect":
        check("reconnect after token expiry", reconnect)
        return
    conn = None

    def connected():
        nonlocal conn
        conn = connect()
        conn.autocommit = True
        return "token from PGPASSFILE"

    check("connect without password", connected)
    if conn is None:
        return

    def query():
        with conn.cursor() as cur:
            cur.execute("select name, email from customers where id = 3")
            name, email = cur.fetchone()
            expect(email == "****@example.net", "email came back as " + email)
            return name + " " + email

    def parameters():
        with conn.cursor() as cur:
            cur.execute("select product from orders where id = %s", (5,))
            (product,) = cur.fetchone()
            expect(product == "keyboard", product)
            return product

    def cursor():
        conn.autocommit = False
        try:
            with conn.cursor(name="matrix") as cur:
                cur.execute("select id from orders order by id")
                first = [r[0] for r in cur.fetchmany(5)]
                rest = [r[0] for r in cur.fetchall()]
            conn.commit()
        finally:
            conn.autocommit = True
        expect(first == [1, 2, 3, 4, 5] and len(rest) == 45, "got %s and %d more" % (first, len(rest)))
        return "named (server-side) cursor: 5 rows, then 45"

    def copy_out():
        out = io.StringIO()
        with conn.cursor() as cur:
            cur.copy_expert("COPY orders TO STDOUT", out)
        lines = [line for line in out.getvalue().split("\n") if line]
        expect(len(lines) == 50, "%d lines" % len(lines))
        return "50 rows"

    def copy_in():
        with conn.cursor() as cur:
            cur.execute("create temp table matrix_in (id int, note text)")
            cur.copy_expert("COPY matrix_in FROM STDIN", io.StringIO("1\tone\n2\ttwo\n3\tthree\n4\tfour\n"))
            cur.execute("select count(*) from matrix_in")
            (n,) = cur.fetchone()
            expect(n == 4, "count %d" % n)
        return "4 rows"

    def cancel():
        timer = threading.Timer(0.5, conn.cancel)
        started = time.monotonic()
        timer.start()
        try:
            with conn.cursor() as cur:
                cur.execute("select pg_sleep(30)")
        except psycopg2.errors.QueryCanceled:
            return "57014 after %d ms" % ((time.monotonic() - started) * 1000)
        finally:
            timer.cancel()
        raise AssertionError("the statement was not cancelled")

    def listen_notify():
        listener = connect()
        listener.autocommit = True
        try:
            with listener.cursor() as cur:
                cur.execute("listen matrix")
            with conn.cursor() as cur:
                cur.execute("notify matrix, 'hello'")
            deadline = time.monotonic() + 10
            while not listener.notifies and time.monotonic() < deadline:
                select.select([listener], [], [], 1)
                listener.poll()
            expect(listener.notifies, "no notification within 10 s")
            n = listener.notifies[0]
            expect(n.channel == "matrix" and n.payload == "hello", "%s %s" % (n.channel, n.payload))
            return "payload hello on another connection"
        finally:
            listener.close()

    def pool():
        p = psycopg2.pool.ThreadedConnectionPool(1, 3, "")
        try:
            conns = [p.getconn() for _ in range(3)]
            for i, c in enumerate(conns):
                with c.cursor() as cur:
                    cur.execute("select %s::int", (i,))
                    expect(cur.fetchone()[0] == i, "answer %d" % i)
            for c in conns:
                p.putconn(c)
            return "3 pooled connections"
        finally:
            p.closeall()

    check("query, masked", query)
    check("parameters", parameters)
    check("cursor", cursor)
    check("COPY out", copy_out)
    check("COPY in", copy_in)
    check("cancel", cancel)
    check("LISTEN/NOTIFY", listen_notify)
    check("pool", pool)
    conn.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "all")
