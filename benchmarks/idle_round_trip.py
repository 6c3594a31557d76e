"""What an idle gap does to one PostgreSQL round trip on this machine.

    .venv/bin/python benchmarks/idle_round_trip.py [--postgres URL]

The Medusa pass-through's session check, alone: psycopg's async pool, a scratch table
shaped like hashless' sessions (5000 rows, a unique token hash), the same one-row
select. It is timed 3000 times back to back, then 300 times with a 5 ms pause before
each query, as a storefront's requests at concurrency 1 leave it. Prints both p50s.

And what a worker's memory of live sessions waits for instead
(``hashless.platforms.medusa_v1.live_sessions``): how soon a ``NOTIFY`` sent on one
connection is heard by a ``LISTEN`` on another, both psycopg on one event loop as in a
worker. 300 notifications, 5 ms apart; each delay runs from the sender's commit
returning to the listener's loop holding the notification (negative when it got there
first). Prints its p50, p90 and largest, in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import time
import uuid

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

ROWS = 5000
NOTICES = 300


async def probe(dsn: str) -> dict[str, float]:
    table = sql.Identifier(f"hashless_probe_{uuid.uuid4().hex[:8]}")
    setup = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    await setup.execute(
        sql.SQL(
            "CREATE TABLE {} (id text PRIMARY KEY, customer_id text, kind text, "
            "created_at timestamptz, last_seen_at timestamptz, expires_at timestamptz, "
            "token_hash varchar(64) UNIQUE)"
        ).format(table)
    )
    try:
        tokens = [secrets.token_hex(32) for _ in range(ROWS)]
        async with setup.cursor() as cursor:
            await cursor.executemany(
                sql.SQL(
                    "INSERT INTO {} VALUES (%s, 'cus_probe', 'bearer', now(), now(), "
                    "now() + interval '1 day', %s)"
                ).format(table),
                [(uuid.uuid4().hex, token) for token in tokens],
            )
        query = sql.SQL(
            "SELECT id, customer_id, kind, created_at, last_seen_at, expires_at FROM {} "
            "WHERE token_hash = %(token_hash)s"
        ).format(table)
        async with AsyncConnectionPool(dsn, kwargs={"autocommit": True}, min_size=1) as pool:

            async def once() -> float:
                started = time.perf_counter()
                async with pool.connection() as connection:
                    cursor = await connection.execute(query, {"token_hash": tokens[17]})
                    await cursor.fetchone()
                return (time.perf_counter() - started) * 1000

            for _ in range(200):
                await once()
            busy = [await once() for _ in range(3000)]
            idle = []
            for _ in range(300):
                await asyncio.sleep(0.005)
                idle.append(await once())
        return {
            "back_to_back_p50_ms": round(statistics.median(busy), 3),
            "after_5ms_idle_p50_ms": round(statistics.median(idle), 3),
        }
    finally:
        await setup.execute(sql.SQL("DROP TABLE {}").format(table))
        await setup.close()


async def notice(dsn: str) -> dict[str, float]:
    listener = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    sender = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    heard: asyncio.Queue[float] = asyncio.Queue()

    async def listen() -> None:
        async for _ in listener.notifies():
            heard.put_nowait(time.perf_counter())

    try:
        await listener.execute("LISTEN hashless_probe")
        task = asyncio.create_task(listen())
        delays = []
        for _ in range(NOTICES):
            await asyncio.sleep(0.005)
            await sender.execute("NOTIFY hashless_probe")
            committed = time.perf_counter()
            delays.append((await heard.get() - committed) * 1000)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        await sender.close()
        await listener.close()
    delays.sort()
    return {
        "notice_heard_p50_ms": round(statistics.median(delays), 3),
        "notice_heard_p90_ms": round(delays[int(NOTICES * 0.9)], 3),
        "notice_heard_max_ms": round(delays[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="host=127.0.0.1 user=postgres dbname=postgres")
    dsn = parser.parse_args().postgres
    print(json.dumps({**asyncio.run(probe(dsn)), **asyncio.run(notice(dsn))}))


if __name__ == "__main__":
    main()
