package dev.pgwarden.sidecar.session;

import dev.pgwarden.api.policy.SessionLimits;
import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.protocol.message.ReadyForQuery;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps {@code limits.statementTimeout} and {@code limits.idleInTransactionTimeout} whatever the
 * session's settings say. pgwarden sets both on the database session at connection and refuses
 * the statements it can see raising them ({@code TimeoutSettings}), but SQL built at run time (a
 * PL/pgSQL EXECUTE of a concatenated SET, a function that sets them) can still change them. So
 * the proxy watches too: a statement the server has been working on for longer than the limit
 * (plus a margin, so the server's own timeout and its clearer error come first) is cancelled with
 * the backend's cancel key, and a session idle inside a transaction for longer than its limit is
 * ended, as PostgreSQL ends it. A statement held for approval inside a transaction leaves the
 * session idle in that transaction: the reviewer must decide within the limit.
 *
 * <p>Time is sampled on a timer of the session's event loop: a statement starts when the server
 * has something to answer (the exchange awaits it) or when the previous result ended.
 */
final class StatementWatch {
    private final Supplier<SessionLimits> limits;
    private final Exchange exchange;
    private final ClientSession session;

    private ScheduledFuture<?> timer;
    /** Where pgwarden's own notices go (between messages relayed to the client). */
    private Consumer<ByteBuf> notices;
    /** When the statement the server works on now began, or -1 while it has nothing to answer. */
    private long busySince = -1;
    /** When the session became idle, or -1 while the server works. */
    private long idleSince = -1;

    private boolean cancelled;

    StatementWatch(Supplier<SessionLimits> limits, Exchange exchange, ClientSession session) {
        this.limits = limits;
        this.exchange = exchange;
        this.session = session;
    }

    void start(EventExecutor loop, Consumer<ByteBuf> notices) {
        this.notices = notices;
        SessionLimits l = limits.get();
        long shortest = Math.min(
                l.statementTimeoutMillis() > 0 ? l.statementTimeoutMillis() : Long.MAX_VALUE,
                l.idleInTransactionMillis() > 0 ? l.idleInTransactionMillis() : Long.MAX_VALUE);
        // Often enough to act within a fraction of the shortest limit, never busier than 20 times a second.
        long period = Math.max(50, Math.min(1000, shortest / 4));
        timer = loop.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    void stop() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /**
     * A result ended (or a ReadyForQuery came): the session was not idle, and if the server works
     * on, it is on the next statement. After a ReadyForQuery the next statement's start is taken
     * when the timer first sees the server busy (never earlier than it began).
     */
    void resultEnded(boolean readyForQuery) {
        busySince = !readyForQuery && exchange.awaiting() ? System.nanoTime() : -1;
        idleSince = -1;
        cancelled = false;
    }

    private void tick() {
        if (session.closed()) {
            stop();
            return;
        }
        SessionLimits l = limits.get();
        long now = System.nanoTime();
        if (exchange.awaiting()) {
            idleSince = -1;
            if (busySince < 0) {
                busySince = now;
                cancelled = false;
            }
            long limit = l.statementTimeoutMillis();
            if (limit > 0 && !cancelled && elapsedMillis(busySince, now) > limit + margin(limit)) {
                cancelled = true;
                // The cancellation reads "due to user request": say whose request, and why.
                notices.accept(Messages.report(
                        session.client().alloc(),
                        ProtocolCodes.NOTICE_RESPONSE,
                        "WARNING",
                        SqlState.QUERY_CANCELED,
                        "pgwarden: cancelling the statement: it ran longer than the policy's limits.statementTimeout ("
                                + limit + "ms)",
                        null,
                        null));
                session.cancelServerForLimit();
            }
            return;
        }
        busySince = -1;
        if (idleSince < 0 || exchange.transactionStatus() == ReadyForQuery.IDLE) {
            idleSince = exchange.transactionStatus() == ReadyForQuery.IDLE ? -1 : now;
            return;
        }
        long limit = l.idleInTransactionMillis();
        if (limit > 0 && elapsedMillis(idleSince, now) > limit + margin(limit)) {
            session.fatal(
                    "idle in transaction longer than limits.idleInTransactionTimeout",
                    "25P03",
                    "pgwarden: terminating the session: it was idle in a transaction for longer than the policy's"
                            + " limits.idleInTransactionTimeout (" + limit + "ms); commit or roll back promptly,"
                            + " and reconnect");
        }
    }

    /** Time left to the server's own timeout, whose error says more than a cancellation. */
    private static long margin(long limitMillis) {
        return 250 + limitMillis / 10;
    }

    private static long elapsedMillis(long since, long now) {
        return TimeUnit.NANOSECONDS.toMillis(now - since);
    }
}
